#!/usr/bin/env bash
# Retries (RFC 5321 §4.5.4.1): A (mode smarthost) relays to a fake MX on 127.0.0.3 that answers
# 451 to the first RCPT of every address: the message is deferred, retried on the engine's one
# schedule (5m, 10m, 20m, 30m, 1h, 2h) scaled by relay.retry_base_ms to start at 300 ms, and
# relayed. A recipient that is always refused with 451 bounces once the (shortened) maximum
# lifetime has passed; the notice reports the last reply really met (451 4.7.1, as Postfix
# does), says the lifetime ran out, and makes up no other status.
source "$(dirname "$0")/lib.sh"

read -r P_MX P_A_SMTP P_A_SUB P_A_SUBS <<<"$(free_ports 4)"
start_test_mx 127.0.0.3 "$P_MX" mx 8BITMIME,GREYLIST
relay_config a "$P_A_SMTP" "$P_A_SUB" "$P_A_SUBS" "" <<TOML
[relay]
mode = "smarthost"
smarthost = "127.0.0.3:$P_MX"
retry_base_ms = 300
max_lifetime_ms = 4000
TOML
add_user a alice@lab.test
relay_up a "127.0.0.3:$P_MX"

out="$(swaks --server "127.0.0.1:$P_A_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to bob@dest.test --header "Subject: it-retry" 2>&1)"
check "submission -> 250" grep -q "<~  250 2.0.0 Ok: queued as" <<<"$out"
check "delivered after a retry" wait_files 20 "$T/mx" 1
check "first attempt deferred with the 451" grep -q "rcpt=bob@dest.test .*attempt=1 outcome=deferred reply=\"451 4.7.1" "$T/a.log"
check "second attempt relayed (RFC 3464 §2.3.3)" grep -q "rcpt=bob@dest.test .*attempt=2 outcome=relayed" "$T/a.log"
check "fake MX saw two connections" test "$(grep -c '^connection' "$T/mx.log")" -ge 2
check "the message carries A's Received:" grep -q "^Received: from .* by a.lab.test" "$T"/mx/msg-1.eml

swaks --server "127.0.0.1:$P_A_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to always451@dest.test --header "Subject: it-expire" >/dev/null 2>&1
check "expired message bounces to alice" wait_files 30 "$T/a/mail/lab.test/alice/new" 1
check "the notice is a failure (RFC 3464 §2.3.3)" grep -q "^Action: failed" "$T"/a/mail/lab.test/alice/new/*
check "its status is the last reply's, 4.7.1 (RFC 3464 §2.3.4)" grep -q "^Status: 4.7.1" "$T"/a/mail/lab.test/alice/new/*
check "with the remote reply as diagnostic (RFC 3464 §2.3.6)" \
    grep -q "^Diagnostic-Code: smtp; 451 4.7.1" "$T"/a/mail/lab.test/alice/new/*
# The notice's text is wrapped like a header; read it with the line breaks unfolded.
unfolded() { python3 -c 'import re,sys; print(re.sub(r"\r?\n[ \t]+", " ", open(sys.argv[1], errors="replace").read()))' "$1"; }
check "it says the queue lifetime ran out" grep -q "given up: the next try would pass the queue lifetime of 4 seconds" \
    <(for f in "$T"/a/mail/lab.test/alice/new/*; do unfolded "$f"; done)
check "it was retried before it expired" grep -q "rcpt=always451@dest.test .*attempt=2 outcome=deferred" "$T/a.log"
check "exactly one attempt bounced it, with the 451" \
    test "$(grep -c 'rcpt=always451@dest.test .*outcome=bounced reply="451 4.7.1' "$T/a.log")" = 1
check "and never an earlier one" bash -c "! grep -q 'rcpt=always451@dest.test .*attempt=1 outcome=bounced' '$T/a.log'"
finish
