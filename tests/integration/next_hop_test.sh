#!/usr/bin/env bash
# What the next hop gets, and what the sender is told (relay A in mode mx, dnsmasq MX records
# on loopback):
#  - undeclared 8-bit content and a UTF-8 recipient ü@dest.test reach a second relaylab (B);
#  - a next hop that logs its wire sees every parameter passed on: BODY=8BITMIME for
#    undeclared 8-bit content (RFC 6152 §2), SMTPUTF8 (RFC 6531 §3.4), RET/ENVID (RFC 3461
#    §4.3, §4.4), NOTIFY/ORCPT (RFC 3461 §4.1, §4.2);
#  - NOTIFY=SUCCESS (RFC 3461 §5.2.2, §5.2.3): "relayed" from us when the next hop lacks DSN,
#    nothing from us when it has DSN (the next hop reports), "delivered" for a mailbox here;
#    and the queue is empty afterwards (the notice owed was the last thing pinning it);
#  - opportunistic TLS (RFC 7435): a destination whose handshake fails gets the message in
#    cleartext; where TLS is required (relay.tls_required_domains) it never goes in cleartext.
source "$(dirname "$0")/lib.sh"

read -r P_DNS P_A_SMTP P_A_SUB P_A_SUBS P_MX <<<"$(free_ports 5)"
start_dns "$P_DNS" \
    --mx-host=dest.test,mx.dest.test,10 --host-record=mx.dest.test,127.0.0.2 \
    --mx-host=wire.test,mx.wire.test,10 --host-record=mx.wire.test,127.0.0.5 \
    --mx-host=nodsn.test,mx.nodsn.test,10 --host-record=mx.nodsn.test,127.0.0.6 \
    --mx-host=broken.test,mx.broken.test,10 --host-record=mx.broken.test,127.0.0.7 \
    --mx-host=secure.test,mx.broken.test,10
start_test_mx 127.0.0.5 "$P_MX" wire 8BITMIME,SMTPUTF8,DSN
start_test_mx 127.0.0.6 "$P_MX" nodsn 8BITMIME,SMTPUTF8
start_test_mx 127.0.0.7 "$P_MX" broken BROKEN-STARTTLS,8BITMIME,SMTPUTF8

relay_config a "$P_A_SMTP" "$P_A_SUB" "$P_A_SUBS" "" <<TOML
[relay]
mode = "mx"
dns_servers = ["127.0.0.1:$P_DNS"]
outbound_port = $P_MX
tls_required_domains = ["secure.test"]
TOML
dest_mx_config b "$P_MX"
add_user a alice@lab.test
add_user a bob@lab.test
add_user b 'ü@dest.test' u-pw
relay_up a
relay_up b "127.0.0.5:$P_MX" "127.0.0.6:$P_MX" "127.0.0.7:$P_MX"

# send TO MAIL-OPTIONS RCPT-OPTIONS SUBJECT: alice submits (STARTTLS + AUTH) an 8-bit message
# with SMTPUTF8 (RFC 6531 §3.4 lets it carry UTF-8) that does not declare BODY=8BITMIME.
send() {
    python3 - "$P_A_SUB" "$@" <<'PY'
import smtplib, ssl, sys
port, to, mail_opts, rcpt_opts, subject = sys.argv[1:6]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
msg = ("Subject: %s\r\nFrom: alice@lab.test\r\n\r\nGr\u00fc\u00dfe aus K\u00f6ln\r\n" % subject).encode("utf-8")
with smtplib.SMTP("127.0.0.1", int(port), timeout=20) as s:
    s.starttls(context=ctx)
    s.login("alice@lab.test", "alice-pw")
    s.sendmail("alice@lab.test", [to], msg, mail_options=["SMTPUTF8"] + mail_opts.split(), rcpt_options=rcpt_opts.split())
print("sent")
PY
}

# 0. What msmtp, curl and Python's send_message do: 8-bit UTF-8 text with no BODY= and no
#    SMTPUTF8. Accepted (lenient 8-bit, as Postfix's strict_8bitmime = no), not 554 5.6.0.
out="$(swaks --server "127.0.0.1:$P_A_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to postmaster@lab.test --header "Subject: it-undeclared" \
    --body "$(printf 'Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln')" 2>&1)"
check "swaks with an undeclared UTF-8 body gets 250 (RFC 6152 §3 leaves it to us)" grep -q "<~  250 2.0.0" <<<"$out"
check "no 554 for it" bash -c "! grep -q '<~\* 554' <<<\"\$1\"" _ "$out"

# 1. Undeclared 8-bit content to a UTF-8 mailbox at B (RFC 6531 §3.2): accepted, passed on,
#    delivered with its octets intact.
check "8-bit message to ü@dest.test accepted" grep -q sent <<<"$(send 'ü@dest.test' '' '' it-utf8)"
check "it reaches ü's Maildir at B" wait_files 20 "$T/b/mail/dest.test/ü/new" 1
check "the 8-bit octets arrive intact" grep -q "Grüße aus Köln" "$T"/b/mail/dest.test/ü/new/*
check "A saw 8-bit content" grep -q "message-accepted .*to=ü@dest.test 8bit=yes" "$T/a.log"

# 2. A next hop with DSN, 8BITMIME and SMTPUTF8 gets every parameter.
check "message to wire.test accepted" grep -q sent <<<"$(send someone@wire.test 'RET=HDRS ENVID=env-1' \
    'NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;someone@wire.test' it-wire)"
check "it reaches the wire host" wait_files 20 "$T/wire" 1
check "BODY=8BITMIME declared for the undeclared 8-bit content (RFC 6152)" \
    grep -Eq "^C: MAIL FROM:<alice@lab.test> .*BODY=8BITMIME" "$T/wire.log"
check "SMTPUTF8 passed on (RFC 6531)" grep -Eq "^C: MAIL FROM:<alice@lab.test> .*SMTPUTF8" "$T/wire.log"
check "RET and ENVID passed on (RFC 3461 §4.3, §4.4)" \
    grep -Eq "^C: MAIL FROM:<alice@lab.test> .*RET=HDRS.*ENVID=env-1|ENVID=env-1.*RET=HDRS" "$T/wire.log"
check "NOTIFY passed on (RFC 3461 §4.1)" grep -Eq "^C: RCPT TO:<someone@wire.test> .*NOTIFY=SUCCESS,FAILURE" "$T/wire.log"
check "ORCPT passed on (RFC 3461 §4.2)" grep -Eq "^C: RCPT TO:<someone@wire.test> .*ORCPT=rfc822;someone@wire.test" "$T/wire.log"
check "AUTH= is not vouched for onwards (RFC 4954 §5)" bash -c "! grep -q 'AUTH=' '$T/wire.log'"

# 3. NOTIFY=SUCCESS to a next hop without DSN: NOTIFY cannot go on, so we report "relayed".
check "message to nodsn.test accepted" grep -q sent <<<"$(send someone@nodsn.test '' NOTIFY=SUCCESS it-nodsn)"
check "it reaches the host without DSN" wait_files 20 "$T/nodsn" 1
check "no NOTIFY to a host that does not offer DSN (RFC 3461 §5.2.2)" bash -c "! grep -q 'NOTIFY=' '$T/nodsn.log'"

# 4. NOTIFY=SUCCESS to a mailbox here: "delivered" (RFC 3461 §5.2.3).
check "message to bob@lab.test accepted" grep -q sent <<<"$(send bob@lab.test '' NOTIFY=SUCCESS it-local)"
check "bob gets it" wait_files 20 "$T/a/mail/lab.test/bob/new" 1

# 5. Opportunistic TLS: the handshake fails, the same host gets it in cleartext (RFC 7435 §6).
check "message to broken.test accepted" grep -q sent <<<"$(send someone@broken.test '' '' it-broken)"
check "delivered in cleartext after the failed handshake" wait_files 20 "$T/broken" 1
check "the host saw STARTTLS first" grep -q "^C: STARTTLS" "$T/broken.log"
check "the fallback was logged" grep -q "tls-fallback" "$T/a.log"

# Every message and every notice owed has left the queue.
check "A's queue is empty" wait_for 20 bash -c "\"$BIN\" queue --config \"$T/a.toml\" | grep -q '^0 message'"
check "B's queue is empty" wait_for 20 bash -c "\"$BIN\" queue --config \"$T/b.toml\" | grep -q '^0 message'"
notices="$T/a/mail/lab.test/alice/new"
check "exactly two notices for alice (relayed, delivered; none for wire.test)" test "$(count_files "$notices")" = 2
check "a 'relayed' notice for someone@nodsn.test" \
    bash -c "grep -l 'Action: relayed' '$notices'/* | xargs grep -q 'Final-Recipient: rfc822; *someone@nodsn.test'"
check "a 'delivered' notice for bob@lab.test" \
    bash -c "grep -l 'Action: delivered' '$notices'/* | xargs grep -q 'Final-Recipient: rfc822; *bob@lab.test'"
check "no notice from us about wire.test (its next hop reports)" bash -c "! grep -q 'wire.test' '$notices'/*"

# 6. TLS required (relay.tls_required_domains): the same broken host never gets it in the clear.
before="$(grep -c '^C: MAIL' "$T/broken.log")"
check "message to secure.test accepted" grep -q sent <<<"$(send someone@secure.test '' '' it-secure)"
check "the attempt is deferred" wait_for 20 grep -q "rcpt=someone@secure.test .*outcome=deferred" "$T/a.log"
check "... with 4.7.4, a local condition (RFC 3463 X.7.4: security features not supported)" \
    grep -q "rcpt=someone@secure.test via=local .*outcome=deferred reply=\"451 4.7.4" "$T/a.log"
check "no MAIL to the broken host in cleartext" test "$(grep -c '^C: MAIL' "$T/broken.log")" = "$before"
check "the message waits in the queue" bash -c "\"$BIN\" queue --config \"$T/a.toml\" | grep -q 'someone@secure.test (deferred'"
finish
