#!/usr/bin/env bash
# One relay in sandbox mode: submission (STARTTLS + AUTH), submissions (implicit TLS),
# relay policy on the smtp port, AUTH failures, connection limits, HTTP.
source "$(dirname "$0")/lib.sh"

read -r P_SMTP P_SUB P_SUBS P_HTTP P_PROBE <<<"$(free_ports 5)"
mkdir -p "$T/web"
echo '<html>relaylab</html>' >"$T/web/index.html"
printf '\0asm\1\0\0\0' >"$T/web/relaylab.wasm"
export RELAYLAB_WEB_DIR="$T/web"
relay_config a "$P_SMTP" "$P_SUB" "$P_SUBS" "$P_HTTP" <<TOML
[limits]
per_ip = 4
[sandbox]
accept_any_recipient = false  # the real relay policy: this test checks its refusals
TOML
add_user a alice@lab.test
add_user a bob@lab.test
relay_up a

# swaks: submission with STARTTLS + AUTH, one local and one remote recipient.
out="$(swaks --server "127.0.0.1:$P_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to bob@lab.test,carol@example.org --header "Subject: it-submission" 2>&1)"
check "swaks STARTTLS+AUTH gets 250 queued" grep -q "<~  250 2.0.0 Ok: queued as" <<<"$out"
check "bob's Maildir gets it" wait_files 10 "$T/a/mail/lab.test/bob/new" 1
check "the remote copy is captured (sandbox)" wait_files 10 "$T/a/captured/new" 1
check "captured copy names its route" grep -q "X-Relaylab-Captured: mode=sandbox; rcpt=carol@example.org; route=MX of example.org" "$T"/a/captured/new/*
f="$(find "$T/a/mail/lab.test/bob/new" -type f | head -1)"
check "Received: says ESMTPSA with TLS" grep -q "with ESMTPSA" "$f"

# Python smtplib on the submissions port (implicit TLS, RFC 8314).
python3 - "$P_SUBS" >"$T/py.out" 2>&1 <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=10) as s:
    s.login("bob@lab.test", "bob-pw")
    refused = s.sendmail("bob@lab.test", ["alice@lab.test"], "Subject: it-465\r\n\r\nhello over 465\r\n")
    print("sent", refused, s.sock.version())
PY
check "smtplib.SMTP_SSL login and send" grep -q "sent {} TLSv1.3" "$T/py.out"
check "alice's Maildir gets it" wait_files 10 "$T/a/mail/lab.test/alice/new" 1

# openssl s_client -starttls smtp: TLS 1.2+ only.
out="$(printf 'EHLO x\r\nQUIT\r\n' | timeout 10 openssl s_client -brief -starttls smtp -connect "127.0.0.1:$P_SUB" 2>&1)"
check "openssl s_client -starttls smtp negotiates TLSv1.3" grep -q "Protocol version: TLSv1.3" <<<"$out"
# TLS 1.1 must be refused by the relay (RFC 8996 deprecates TLS 1.0 and 1.1). OpenSSL 3 at
# its default security level will not offer 1.1 at all, so a client has to be talked into
# it (SECLEVEL=0), and we first prove that this client really completes a TLS 1.1
# handshake with a server that allows it; otherwise a "refusal" would prove nothing.
tls11=(-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0')
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=probe.lab.test -days 1 \
    -keyout "$T/probe.key" -out "$T/probe.crt" >/dev/null 2>&1
openssl s_server -accept "127.0.0.1:$P_PROBE" -cert "$T/probe.crt" -key "$T/probe.key" "${tls11[@]}" \
    -quiet >"$T/probe.log" 2>&1 </dev/null &
PIDS+=($!)
wait_port 127.0.0.1 "$P_PROBE" || true
out="$(printf '' | timeout 10 openssl s_client -brief "${tls11[@]}" -connect "127.0.0.1:$P_PROBE" 2>&1)"
if grep -q "Protocol version: TLSv1.1" <<<"$out"; then
    ok "control: this openssl client negotiates TLS 1.1 with a server that allows it"
    for port in "$P_SUB" "$P_SUBS"; do
        if [[ "$port" == "$P_SUB" ]]; then how=(-starttls smtp); name="STARTTLS"; else how=(); name="implicit TLS"; fi
        out="$(printf 'QUIT\r\n' | timeout 10 openssl s_client -brief "${tls11[@]}" "${how[@]}" -connect "127.0.0.1:$port" 2>&1)"
        check "TLS 1.1 via $name is refused: no session" bash -c '! grep -q "CONNECTION ESTABLISHED\|Protocol version:" <<<"$1"' _ "$out"
        check "TLS 1.1 via $name is refused: protocol version alert" grep -Eqi "alert protocol version|unsupported protocol" <<<"$out"
        out="$(printf 'QUIT\r\n' | timeout 10 openssl s_client -brief -tls1_2 "${how[@]}" -connect "127.0.0.1:$port" 2>&1)"
        check "TLS 1.2 via $name works" grep -q "Protocol version: TLSv1.2" <<<"$out"
    done
else
    bad "control: this openssl client cannot negotiate TLS 1.1 even with a willing server, so the refusal cannot be tested: $(tail -3 <<<"$out")"
fi

D="$HERE/smtp_dialog.py"
# Unauthenticated relaying on the smtp (mx) port: 550 5.7.1.
out="$(python3 "$D" 127.0.0.1 "$P_SMTP" "EHLO x" "MAIL FROM:<m@example.net>" "RCPT TO:<someone@example.org>" QUIT)"
check "external RCPT on the smtp port -> 550 5.7.1" grep -q "^S: 550 5.7.1" <<<"$out"
# Unknown local user: 550 5.1.1 at RCPT.
out="$(python3 "$D" 127.0.0.1 "$P_SMTP" "EHLO x" "MAIL FROM:<m@example.net>" "RCPT TO:<nobody@lab.test>" QUIT)"
check "unknown local user -> 550 5.1.1" grep -q "^S: 550 5.1.1" <<<"$out"
out="$(python3 "$D" 127.0.0.1 "$P_SMTP" "EHLO x" "MAIL FROM:<m@example.net>" "RCPT TO:<alice@lab.test>" QUIT)"
check "inbound mail for a local user -> 250" grep -q "^S: 250 2.1.5" <<<"$out"
# AUTH before STARTTLS on submission: 530.
out="$(python3 "$D" 127.0.0.1 "$P_SUB" "EHLO x" "AUTH PLAIN AGFsaWNlQGxhYi50ZXN0AGFsaWNlLXB3" QUIT)"
check "AUTH before STARTTLS -> 530" grep -q "^S: 530" <<<"$out"
out="$(python3 "$D" 127.0.0.1 "$P_SUB" "EHLO x" "MAIL FROM:<alice@lab.test>" QUIT)"
check "MAIL without AUTH on submission -> 530" grep -q "^S: 530" <<<"$out"
# Wrong password: 535 5.7.8 (over implicit TLS).
out="$(python3 "$D" 127.0.0.1 "$P_SUBS" --tls "EHLO x" "AUTH PLAIN AGFsaWNlQGxhYi50ZXN0AHdyb25n" QUIT)"
check "wrong password -> 535 5.7.8" grep -q "^S: 535 5.7.8" <<<"$out"
out="$(swaks --server "127.0.0.1:$P_SUB" --tls --auth LOGIN --auth-user alice@lab.test --auth-password nope \
    --from alice@lab.test --to bob@lab.test 2>&1)"
check "swaks with a wrong password gets 535" grep -q "535 5.7.8" <<<"$out"
# Authenticated, but a sender address that is not the user's: 553 5.7.1.
python3 - "$P_SUBS" >"$T/py2.out" 2>&1 <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP_SSL("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=10) as s:
    s.login("bob@lab.test", "bob-pw")
    try:
        s.sendmail("alice@lab.test", ["alice@lab.test"], "Subject: x\r\n\r\nx\r\n")
    except smtplib.SMTPSenderRefused as e:
        print("refused", e.smtp_code)
PY
check "sending as someone else -> 553" grep -q "refused 553" "$T/py2.out"

# Connection limit per client address (limits.per_ip = 4): the 5th gets 421.
python3 - "$P_SMTP" >"$T/limit.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = []
for i in range(4):
    s = socket.create_connection(("127.0.0.1", port), timeout=5); s.recv(512); held.append(s)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
print(s.recv(512).decode().strip())
PY
check "5th connection from one address -> 421" grep -q "^421 4.7.0" "$T/limit.out"

# HTTP: health, metrics, static files with the right MIME type.
check "/healthz says ok" test "$(curl -s "http://127.0.0.1:$P_HTTP/healthz")" = ok
m="$(curl -s "http://127.0.0.1:$P_HTTP/metrics")"
check "/metrics counts accepted messages" grep -q "^relaylab_messages_accepted_total 2$" <<<"$m"
check "/metrics counts auth failures" grep -Eq "^relaylab_auth_failures_total [2-9]" <<<"$m"
check "/metrics counts TLS handshakes" grep -Eq "^relaylab_tls_handshakes_total [1-9]" <<<"$m"
check "/ serves index.html" grep -q relaylab <<<"$(curl -s "http://127.0.0.1:$P_HTTP/")"
ct="$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$P_HTTP/relaylab.wasm")"
check "wasm served as application/wasm" test "$ct" = application/wasm
check "no path traversal" test "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "http://127.0.0.1:$P_HTTP/../a.toml")" = 400

# Logs: one line per session open/close and per accepted message; SIGTERM exits 0.
check "log has session-open" grep -q "session-open session=" "$T/a.log"
check "log has message-accepted with size and recipients" grep -q "message-accepted .*size=.*to=bob@lab.test,carol@example.org" "$T/a.log"
kill -TERM "$PID_a"
st=0; wait "$PID_a" || st=$?
check "SIGTERM -> exit 0" test "$st" = 0
finish
