#!/usr/bin/env bash
# Two relays and a DNS server on loopback: swaks submits to A (mode mx) with STARTTLS + AUTH;
# A looks up dest.test's MX in dnsmasq, delivers to B on 127.0.0.2 (opportunistic STARTTLS);
# the message lands in B's Maildir with both Received: headers. Then bounces: an unknown
# domain (NXDOMAIN) and an unknown user at B come back to the sender's Maildir on A.
source "$(dirname "$0")/lib.sh"

read -r P_DNS P_A_SMTP P_A_SUB P_A_SUBS P_B <<<"$(free_ports 5)"
start_dns "$P_DNS" --mx-host=dest.test,mx.dest.test,10 --host-record=mx.dest.test,127.0.0.2 --address=/nosuch.test/

relay_config a "$P_A_SMTP" "$P_A_SUB" "$P_A_SUBS" "" <<TOML
[relay]
mode = "mx"
dns_servers = ["127.0.0.1:$P_DNS"]
outbound_port = $P_B
TOML
dest_mx_config b "$P_B"
add_user a alice@lab.test
add_user b rcpt@dest.test
relay_up a
relay_up b

out="$(swaks --server "127.0.0.1:$P_A_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to rcpt@dest.test --header "Subject: it-mx" 2>&1)"
check "swaks submission to A -> 250" grep -q "<~  250 2.0.0 Ok: queued as" <<<"$out"
check "the message reaches B's Maildir" wait_files 20 "$T/b/mail/dest.test/rcpt/new" 1
f="$(find "$T/b/mail/dest.test/rcpt/new" -type f | head -1)"
if [[ -n "$f" ]]; then
    check "two Received: headers" test "$(grep -c '^Received:' "$f")" = 2
    check "B's Received: is from A over TLS" grep -Eq "^Received: from a.lab.test .*by mx.dest.test .*with ESMTPS" "$f"
    check "A's Received: is the authenticated submission" grep -q "by a.lab.test (relaylab) with ESMTPSA" "$f"
    check "subject kept" grep -q "^Subject: it-mx" "$f"
else
    bad "no message at B"
fi
# Another MTA took responsibility: "relayed" at A (RFC 3464 §2.3.3), "delivered" at B's mailbox.
check "A logged the delivery as relayed" grep -q "delivery id=.* rcpt=rcpt@dest.test via=mx.dest.test attempt=1 outcome=relayed" "$T/a.log"
check "B logged it delivered into the mailbox" grep -q "delivery id=.* rcpt=rcpt@dest.test via=mailbox attempt=1 outcome=delivered" "$T/b.log"

# Unknown domain: NXDOMAIN -> 550 5.1.2 -> bounce to alice (a local Maildir on A).
swaks --server "127.0.0.1:$P_A_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to someone@nosuch.test --header "Subject: it-nxdomain" >/dev/null 2>&1
check "a bounce reaches alice" wait_files 20 "$T/a/mail/lab.test/alice/new" 1
f="$(find "$T/a/mail/lab.test/alice/new" -type f | head -1)"
if [[ -n "$f" ]]; then
    check "bounce is a DSN from MAILER-DAEMON" grep -q "^From: .*MAILER-DAEMON@a.lab.test" "$f"
    check "bounce names the recipient and status 5.1.2" grep -q "Status: 5.1.2" "$f"
    check "bounce is multipart/report" grep -qi "multipart/report" "$f"
fi

# Unknown user at B: B refuses at RCPT (550 5.1.1), A bounces to alice.
swaks --server "127.0.0.1:$P_A_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to nobody@dest.test --header "Subject: it-unknown-user" >/dev/null 2>&1
check "second bounce reaches alice" wait_files 20 "$T/a/mail/lab.test/alice/new" 2
check "it carries B's 550 5.1.1" grep -lq "Diagnostic-Code: smtp; 550 5.1.1" "$T"/a/mail/lab.test/alice/new/*
check "A's spool is empty again" wait_for 10 bash -c "\"$BIN\" queue --config \"$T/a.toml\" | grep -q '^0 message'"
finish
