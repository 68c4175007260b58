#!/usr/bin/env bash
# Retries: A (mode smarthost) relays to a fake MX on 127.0.0.3 that answers 451 to the first
# RCPT of every address: the message is deferred, retried on the (shortened) engine schedule
# and delivered. A recipient that is always refused with 451 bounces with 4.4.7 once the
# (shortened) maximum lifetime has passed.
source "$(dirname "$0")/lib.sh"

read -r P_MX P_A_SMTP P_A_SUB P_A_SUBS <<<"$(free_ports 4)"
python3 "$HERE/fake_mx.py" 127.0.0.3 "$P_MX" "$T/mx" >"$T/fake_mx.log" 2>&1 &
PIDS+=($!)
cat >"$T/a.toml" <<TOML
hostname = "a.lab.test"
state_dir = "$T/a"
[listen]
smtp = "127.0.0.1:$P_A_SMTP"
submission = "127.0.0.1:$P_A_SUB"
submissions = "127.0.0.1:$P_A_SUBS"
http = ""
[relay]
mode = "smarthost"
smarthost = "127.0.0.3:$P_MX"
local_domains = ["lab.test"]
retry_base_ms = 300
max_lifetime_ms = 4000
[auth]
users_file = "$T/a/users"
TOML
printf 'alice-pw\n' | "$BIN" user add alice@lab.test --users-file "$T/a/users" >/dev/null
start_relay a "$T/a.toml"
wait_port 127.0.0.1 "$P_A_SUB" && wait_port 127.0.0.3 "$P_MX" || { bad "servers did not start"; finish; exit 1; }

out="$(swaks --server "127.0.0.1:$P_A_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to bob@dest.test --header "Subject: it-retry" 2>&1)"
check "submission -> 250" grep -q "<~  250 2.0.0 Ok: queued as" <<<"$out"
check "delivered after a retry" wait_files 20 "$T/mx" 1
check "first attempt deferred with the 451" grep -q "rcpt=bob@dest.test .*attempt=1 outcome=deferred reply=\"451 4.7.1" "$T/a.log"
check "second attempt delivered" grep -q "rcpt=bob@dest.test .*attempt=2 outcome=delivered" "$T/a.log"
check "fake MX saw two connections" test "$(grep -c '^connection' "$T/fake_mx.log")" -ge 2
check "the message carries A's Received:" grep -q "^Received: from .* by a.lab.test" "$T"/mx/msg-1.eml

swaks --server "127.0.0.1:$P_A_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to always451@dest.test --header "Subject: it-expire" >/dev/null 2>&1
check "expired message bounces to alice" wait_files 30 "$T/a/mail/lab.test/alice/new" 1
check "the bounce says 4.4.7" grep -q "Status: 4.4.7\|Status: 5.4.7" "$T"/a/mail/lab.test/alice/new/*
check "it was retried before it expired" grep -q "rcpt=always451@dest.test .*attempt=2 outcome=deferred" "$T/a.log"
check "the last attempt bounced it" grep -q "rcpt=always451@dest.test .*attempt=3 outcome=bounced" "$T/a.log"
finish
