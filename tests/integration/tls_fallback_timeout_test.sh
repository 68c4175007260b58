#!/usr/bin/env bash
# Opportunistic STARTTLS toward a host whose TLS is broken falls back to cleartext (RFC 7435)
# and delivers; an idle client is told "421 4.4.2" at the command timeout and disconnected.
source "$(dirname "$0")/lib.sh"

read -r P_MX P_A_SMTP P_A_SUB P_A_SUBS <<<"$(free_ports 4)"
start_test_mx 127.0.0.4 "$P_MX" mx 8BITMIME,BROKEN-STARTTLS
relay_config a "$P_A_SMTP" "$P_A_SUB" "$P_A_SUBS" "" <<TOML
[relay]
mode = "smarthost"
smarthost = "127.0.0.4:$P_MX"
trusted_networks = ["127.0.0.1/32"]
[limits]
command_timeout_ms = 700
TOML
relay_up a "127.0.0.4:$P_MX"

out="$(python3 "$HERE/smtp_dialog.py" 127.0.0.1 "$P_A_SMTP" "EHLO x" "MAIL FROM:<m@example.net>" \
    "RCPT TO:<someone@example.org>" DATA $'Subject: it-tls-fallback\r\n\r\nx\r\n.' QUIT)"
check "trusted network may relay -> 250" grep -q "^S: 250 2.0.0 Ok: queued" <<<"$out"
check "delivered in cleartext after the broken handshake" wait_files 20 "$T/mx" 1
check "the fallback was logged" grep -q "tls-fallback" "$T/a.log"
check "the fake MX saw STARTTLS, then a session without it" grep -q "C: STARTTLS" "$T/mx.log"

# Five more messages, one after the other (each delivered before the next is sent, so the
# check does not depend on how fast commits are): the cleartext connection stays open and
# is reused, and the broken host is not offered STARTTLS again.
before="$(grep -c '^connection' "$T/mx.log")"
for i in 1 2 3 4 5; do
    python3 - "$P_A_SMTP" "$i" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.sendmail("m@example.net", ["someone@example.org"], "Subject: reuse-%s\r\n\r\nx\r\n" % sys.argv[2])
PY
    wait_files 20 "$T/mx" $((i + 1)) || break
done
check "all six messages delivered" wait_files 20 "$T/mx" 6
after="$(grep -c '^connection' "$T/mx.log")"
check "outbound connection reused ($((after - before)) new for 5 messages)" test "$((after - before))" -le 1
check "STARTTLS was tried once, not again per message" test "$(grep -c 'C: STARTTLS' "$T/mx.log")" -eq 1

start=$(date +%s%N)
out="$(python3 - "$P_A_SMTP" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
print(data.decode().strip())
PY
)"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "idle client gets 421 4.4.2" grep -q "^421 4.4.2" <<<"$out"
check "... after about the command timeout (${ms} ms)" test "$ms" -ge 600 -a "$ms" -lt 5000
check "the session close says timeout" grep -q "reason=timeout" "$T/a.log"
finish
