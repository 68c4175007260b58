#!/usr/bin/env bash
# Rate limits (engine/rate_limit.hpp, carried out by the relay): new connections per client
# address per minute ("421 4.7.0" at connect), messages per authenticated user per hour
# ("450 4.7.1" at MAIL), recipients per user per hour ("452 4.5.3" at RCPT, RFC 5321
# §4.5.3.1.10); another user and another address are unaffected; the counters in /metrics.
# Also the engine's refusals seen from a real client: AUTH PLAIN with a foreign authzid
# (535 5.7.8, RFC 4616 §2) and an ENVID decoding to CR LF (501 5.5.4, RFC 3461 §4.4).
source "$(dirname "$0")/lib.sh"

read -r P_SMTP P_SUBS P_HTTP <<<"$(free_ports 3)"
relay_config r "$P_SMTP" "" "$P_SUBS" "$P_HTTP" <<TOML
[limits]
connections_per_minute = 5
messages_per_hour = 2
recipients_per_hour = 3
TOML
for u in alice bob carol; do add_user r "$u@lab.test"; done
relay_up r
metric() { curl -s "http://127.0.0.1:$P_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

# Messages and recipients per user: alice sends 3 messages of 1 recipient (the 3rd: 450),
# carol sends one message to 4 recipients (the 4th: 452), bob is unaffected.
python3 - "$P_SUBS" >"$T/py.out" 2>&1 <<'PY'
import smtplib, ssl, sys, base64
port = int(sys.argv[1])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=10) as s:
    s.login("alice@lab.test", "alice-pw")
    for i in range(3):
        try:
            s.sendmail("alice@lab.test", ["bob@lab.test"], "Subject: %d\r\n\r\nx\r\n" % i)
            print("alice", i, "sent")
        except smtplib.SMTPSenderRefused as e:
            print("alice", i, "refused", e.smtp_code, e.smtp_error.decode())
with smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=10) as s:
    s.login("carol@lab.test", "carol-pw")
    refused = s.sendmail("carol@lab.test", ["alice@lab.test", "bob@lab.test", "carol@lab.test", "alice@lab.test"],
                         "Subject: many\r\n\r\nx\r\n")
    print("carol refused", {k: (c, m.decode()) for k, (c, m) in refused.items()})
with smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=10) as s:
    s.login("bob@lab.test", "bob-pw")
    print("bob", s.sendmail("bob@lab.test", ["alice@lab.test"], "Subject: b\r\n\r\nx\r\n"))
with smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=10) as s:
    s.ehlo()
    code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"carol@lab.test\0bob@lab.test\0bob-pw").decode())
    print("authzid", code, text.decode())
    s.login("bob@lab.test", "bob-pw")
    code, text = s.docmd("MAIL", "FROM:<bob@lab.test> ENVID=x+0D+0ABcc:evil")
    print("envid", code, text.decode())
PY
cat "$T/py.out" | sed 's/^/     /'
check "messages per user: the 3rd MAIL gets 450 4.7.1" grep -q "alice 2 refused 450 4.7.1" "$T/py.out"
check "messages within the rate are sent" grep -q "alice 1 sent" "$T/py.out"
check "recipients per user: the 4th RCPT gets 452 4.5.3" grep -q "452, '4.5.3 Too many recipients" "$T/py.out"
check "another user is unaffected" grep -q "^bob {}" "$T/py.out"
check "AUTH PLAIN acting as another user: 535 5.7.8" grep -q "authzid 535 5.7.8" "$T/py.out"
check "ENVID decoding to CR LF: 501 5.5.4" grep -q "envid 501 5.5.4" "$T/py.out"

# Connections per address: 5 per minute with a burst of 5, from 127.0.0.3 (unused so far).
lines="$(python3 - "$P_SMTP" <<'PY'
import socket, sys
for _ in range(6):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=("127.0.0.3", 0), timeout=5)
    print(s.recv(200).split(b"\r\n")[0].decode()); s.close()
PY
)"
echo "$lines" | sed 's/^/     /'
check "5 connections within the rate are greeted" test "$(grep -c "^220 " <<<"$lines")" = 5
check "beyond connections_per_minute: 421 4.7.0" grep -q "^421 4.7.0 .*per minute" <<<"$lines"
other="$(python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1',int(sys.argv[1])),source_address=('127.0.0.2',0),timeout=5); print(s.recv(200).decode().split(chr(13))[0])" "$P_SMTP")"
check "another address is unaffected ($other)" grep -q "^220 " <<<"$other"

check "/metrics counts refused connections" test "$(metric relaylab_rate_limited_connections_total)" -ge 1
check "/metrics counts refused messages" test "$(metric relaylab_rate_limited_messages_total)" = 1
check "/metrics counts refused recipients" test "$(metric relaylab_rate_limited_recipients_total)" = 1
finish
