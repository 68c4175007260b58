#!/usr/bin/env bash
# AUTH at the relay's speed and under attack: the verified-credentials cache (a cached
# login runs no new argon2id; a changed password is required at once; a wrong password is
# refused and counted even when the right one is cached; the cache keeps to auth.cache_size;
# SIGHUP clears it), AUTH throttling per client address (454 4.7.0 after
# limits.auth_failures failures, RFC 4954 §6, while another address still logs in), and TLS
# session resumption on the STARTTLS and implicit-TLS listeners. Behaviour only: the
# counters of /metrics and the replies, no timing thresholds.
source "$(dirname "$0")/lib.sh"

read -r P_SMTP P_SUB P_SUBS P_HTTP <<<"$(free_ports 4)"
relay_config a "$P_SMTP" "$P_SUB" "$P_SUBS" "$P_HTTP" <<TOML
[auth]
cache_ttl_ms = 3600000
cache_size = 3
[limits]
auth_failures = 3
auth_lockout_ms = 600000
auth_failure_delay_ms = 1
concurrent_hashes = 2
TOML
for u in alice bob u1 u2 u3 u4 u5 u6; do add_user a "$u@lab.test"; done
relay_up a

# login SOURCE_IP USER PASSWORD: one new connection from SOURCE_IP (a loopback address),
# STARTTLS, one AUTH PLAIN; prints the reply code and text of the AUTH.
login() {
    python3 - "$P_SUB" "$1" "$2" "$3" <<'PY'
import base64, smtplib, ssl, sys
port, src, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", port, timeout=20, source_address=(src, 0))
s.ehlo("client.test"); s.starttls(context=ctx); s.ehlo("client.test")
code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode()).decode())
print(code, text.decode())
try:
    s.quit()
except Exception:
    pass
PY
}
metric() { curl -s "http://127.0.0.1:$P_HTTP/metrics" | awk -v n="$1" '$1 == n {print $2}'; }

# --- the cache ---
out="$(login 127.0.0.2 alice@lab.test alice-pw)"
check "first login: 235" grep -q "^235 " <<<"$out"
h0="$(metric relaylab_auth_hashes_total)"; hits0="$(metric relaylab_auth_cache_hits_total)"
check "first login ran argon2id" test "$h0" -ge 1
out="$(login 127.0.0.2 alice@lab.test alice-pw)"
check "second login: 235" grep -q "^235 " <<<"$out"
check "second login is a cache hit" test "$(metric relaylab_auth_cache_hits_total)" -eq $((hits0 + 1))
check "second login ran no new hash" test "$(metric relaylab_auth_hashes_total)" -eq "$h0"

f0="$(metric relaylab_auth_failures_total)"
out="$(login 127.0.0.3 alice@lab.test wrong-pw)"
check "wrong password with the right one cached: 535 5.7.8" grep -q "^535 5.7.8" <<<"$out"
check "the wrong password is counted" test "$(metric relaylab_auth_failures_total)" -eq $((f0 + 1))
check "the wrong password paid the full check" test "$(metric relaylab_auth_hashes_total)" -eq $((h0 + 1))
out="$(login 127.0.0.2 alice@lab.test alice-pw)"
check "the right password is still cached after a wrong one" grep -q "^235 " <<<"$out"
check "... and costs no hash" test "$(metric relaylab_auth_hashes_total)" -eq $((h0 + 1))

# A changed password in the users file is required at once.
printf 'alice-new\n' | "$BIN" user add alice@lab.test --users-file "$T/a/users" >/dev/null
out="$(login 127.0.0.2 alice@lab.test alice-pw)"
check "the old password is refused right after the change" grep -q "^535 5.7.8" <<<"$out"
out="$(login 127.0.0.2 alice@lab.test alice-new)"
check "the new password works" grep -q "^235 " <<<"$out"
check "the change dropped the cached entry" test "$(metric relaylab_auth_cache_invalidations_total)" -ge 1
check "users-reloaded logged" grep -q "users-reloaded" "$T/a.log"

# A session opened before the change must not log in with the old password either.
python3 - "$P_SUB" "$BIN" "$T/a/users" >"$T/open-session.out" 2>&1 <<'PY'
import base64, smtplib, ssl, subprocess, sys
port, binary, users = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", port, timeout=20, source_address=("127.0.0.7", 0))
s.ehlo("client.test"); s.starttls(context=ctx); s.ehlo("client.test")
subprocess.run([binary, "user", "add", "alice@lab.test", "--users-file", users], input=b"alice-newer\n", check=True,
               stdout=subprocess.DEVNULL)
code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice@lab.test\0alice-new").decode())
print("old", code)
code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice@lab.test\0alice-newer").decode())
print("new", code)
s.quit()
PY
check "an open session: the password changed meanwhile is refused" grep -q "^old 535" "$T/open-session.out"
check "an open session: the new one is accepted" grep -q "^new 235" "$T/open-session.out"

# --- throttling per client address ---
for i in 1 2 3; do
    out="$(login 127.0.0.4 bob@lab.test "guess-$i")"
    check "failure $i from 127.0.0.4: 535" grep -q "^535 5.7.8" <<<"$out"
done
check "failures were answered after the delay" test "$(metric relaylab_auth_delayed_total)" -ge 3
h1="$(metric relaylab_auth_hashes_total)"
out="$(login 127.0.0.4 bob@lab.test bob-pw)"
check "after 3 failures the address gets 454 4.7.0, even with the right password" grep -q "^454 4.7.0" <<<"$out"
check "a locked-out AUTH runs no hash" test "$(metric relaylab_auth_hashes_total)" -eq "$h1"
out="$(login 127.0.0.4 bob@lab.test bob-pw)"
check "still 454 4.7.0 on a new connection" grep -q "^454 4.7.0" <<<"$out"
out="$(login 127.0.0.5 bob@lab.test bob-pw)"
check "another address logs in as bob meanwhile" grep -q "^235 " <<<"$out"
check "/metrics counts the lockout" test "$(metric relaylab_auth_lockouts_total)" -eq 1
check "/metrics counts the 454 refusals" test "$(metric relaylab_auth_locked_refusals_total)" -eq 2
check "the lockout is logged" grep -q "auth-lockout.*127.0.0.4" "$T/a.log"
check "the refusals are logged" grep -q "auth-refused-locked.*127.0.0.4" "$T/a.log"

# --- the cache keeps to its bound under many users ---
for u in u1 u2 u3 u4 u5 u6; do
    out="$(login 127.0.0.6 "$u@lab.test" "$u-pw")"
    check "$u logs in" grep -q "^235 " <<<"$out"
    check "cache within auth.cache_size after $u" test "$(metric relaylab_auth_cache_entries)" -le 3
done
check "the cache is full" test "$(metric relaylab_auth_cache_entries)" -eq 3
check "evictions counted" test "$(metric relaylab_auth_cache_evictions_total)" -ge 3
h2="$(metric relaylab_auth_hashes_total)"
out="$(login 127.0.0.6 u6@lab.test u6-pw)"
check "the most recent user is still cached" test "$(metric relaylab_auth_hashes_total)" -eq "$h2"
out="$(login 127.0.0.6 u1@lab.test u1-pw)"
check "an evicted user logs in again with a full check" test "$(metric relaylab_auth_hashes_total)" -eq $((h2 + 1))

# --- SIGHUP clears the cache ---
kill -HUP "$PID_a"
cache_empty() { test "$(metric relaylab_auth_cache_entries)" = 0; }
check "SIGHUP: the cache is cleared" wait_for 10 cache_empty
h3="$(metric relaylab_auth_hashes_total)"
out="$(login 127.0.0.2 alice@lab.test alice-newer)"
check "after SIGHUP the login works" grep -q "^235 " <<<"$out"
check "... with a full check" test "$(metric relaylab_auth_hashes_total)" -eq $((h3 + 1))

# --- hash cost is a choice; existing hashes keep working ---
printf 'carol-pw\n' | "$BIN" user add carol@lab.test --cost moderate --users-file "$T/a/users" >/dev/null
check "--cost moderate stores libsodium's moderate limits in the hash" grep -q '^carol@lab.test:$argon2id$v=19$m=262144,t=3,' "$T/a/users"
check "interactive hashes stay as they were" grep -q '^bob@lab.test:$argon2id$v=19$m=65536,t=2,' "$T/a/users"
out="$(login 127.0.0.2 carol@lab.test carol-pw)"
check "a moderate-cost user logs in" grep -q "^235 " <<<"$out"
out="$(login 127.0.0.5 bob@lab.test bob-pw)"
check "an interactive-cost user still logs in" grep -q "^235 " <<<"$out"

# --- TLS session resumption: STARTTLS (587) and implicit TLS (465), TLS 1.3 and 1.2 ---
resumed() {  # resumed NAME S_CLIENT_ARGS...: a second handshake resumes the first one's session
    local name="$1"; shift
    rm -f "$T/sess"
    (printf 'EHLO x\r\n'; sleep 1; printf 'QUIT\r\n') | timeout 15 openssl s_client "$@" -sess_out "$T/sess" >"$T/$name-1.out" 2>&1
    (printf 'EHLO x\r\n'; sleep 1; printf 'QUIT\r\n') | timeout 15 openssl s_client "$@" -sess_in "$T/sess" >"$T/$name-2.out" 2>&1
    grep -q "^New," "$T/$name-1.out" && grep -q "^Reused," "$T/$name-2.out"
}
check "STARTTLS, TLS 1.3 ticket: Reused" resumed st13 -starttls smtp -connect "127.0.0.1:$P_SUB" -tls1_3
check "STARTTLS, TLS 1.2 ticket: Reused" resumed st12 -starttls smtp -connect "127.0.0.1:$P_SUB" -tls1_2
check "STARTTLS, TLS 1.2 session ID: Reused" resumed st12id -starttls smtp -connect "127.0.0.1:$P_SUB" -tls1_2 -no_ticket
check "port 465, TLS 1.3 ticket: Reused" resumed im13 -connect "127.0.0.1:$P_SUBS" -tls1_3
check "port 465, TLS 1.2 session ID: Reused" resumed im12id -connect "127.0.0.1:$P_SUBS" -tls1_2 -no_ticket
check "/metrics counts the resumed handshakes" test "$(metric relaylab_tls_resumed_total)" -ge 5

# --- the memory warning: concurrent_hashes x the largest memlimit (carol: 256 MiB) over budget ---
read -r Q_SMTP Q_SUB Q_SUBS <<<"$(free_ports 3)"
sed -e "s/$P_SMTP/$Q_SMTP/; s/$P_SUB\"/$Q_SUB\"/; s/$P_SUBS/$Q_SUBS/" -e 's/^http = .*/http = ""/' \
    -e "s|^state_dir = .*|state_dir = \"$T/b\"|" -e 's/^concurrent_hashes = 2/concurrent_hashes = 3\nhash_memory_budget_mb = 512/' \
    "$T/a.toml" >"$T/b.toml"
start_relay b "$T/b.toml"
wait_port 127.0.0.1 "$Q_SUB" || bad "second relay did not start"
check "warned at start: 3 x 256 MiB exceeds 512 MiB" grep -q "warning: limits.concurrent_hashes (3) x the largest argon2id memlimit .* (256 MiB) = 768 MiB exceeds limits.hash_memory_budget_mb (512)" "$T/b.log"
check "a budget warning is logged as an event" grep -q "hash-memory-warning" "$T/b.log"
check "no warning within the budget (2 x 256 MiB)" bash -c "! grep -q hash-memory-warning '$T/a.log'"

finish
