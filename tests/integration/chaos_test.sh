#!/usr/bin/env bash
# The sandbox as a drop-in fake SMTP server (any recipient from loopback, any AUTH with
# sandbox.accept_any_auth) and the chaos switches on the real relay: Mailpit's
# GET/PUT /api/v1/chaos triggers change real replies seen by python smtplib; relaylab's own
# switches — greylisting (451 4.7.1, then accepted after the delay), every Nth message
# deferred (451 4.3.0 after DATA, not kept), slow replies, the connection dropped after DATA
# (no reply, not kept) — and "{}" turns everything off again.
source "$(dirname "$0")/lib.sh"

read -r P_SMTP P_SUB P_HTTP <<<"$(free_ports 3)"
relay_config r "$P_SMTP" "$P_SUB" "" "$P_HTTP" <<TOML
[sandbox]
accept_any_auth = true
TOML
add_user r alice@lab.test
relay_up r
API="http://127.0.0.1:$P_HTTP/api/v1/chaos"
put() { curl -s -o "$T/put.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' --data "$1" "$API"; }
metric() { curl -s "http://127.0.0.1:$P_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# Stored messages keep their CRLF line ends.
subject_re() { printf '^Subject: %s\r?$' "$1"; }
captured() { grep -lE "$(subject_re "$1")" "$T"/r/captured/new/* 2>/dev/null | wc -l; }
captured_is() { [[ "$(captured "$1")" == "$2" ]]; }  # captured_is SUBJECT N
in_alice() { [[ "$(grep -lE "$(subject_re "$1")" "$T"/r/mail/lab.test/alice/new/* 2>/dev/null | wc -l)" == "$2" ]]; }

# send.py MODE SUBJECT [TO...]: one message with smtplib; prints one line: the outcome.
cat >"$T/send.py" <<'PY'
import smtplib, ssl, sys
port, mode, subject, to = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:] or ["someone@example.org"]
timeout = 3 if mode == "impatient" else 10
msg = "From: app@app.example\r\nSubject: %s\r\n\r\nhello\r\n" % subject
try:
    with smtplib.SMTP("127.0.0.1", port, timeout=timeout) as s:
        if mode == "login":
            s.starttls(context=ssl._create_unverified_context())
            s.login(sys.argv[5] if len(sys.argv) > 5 else "whoever", "a wrong password")
        refused = s.sendmail("app@app.example", to, msg)
        print("sent", refused)
except smtplib.SMTPSenderRefused as e:
    print("mail-refused", e.smtp_code, e.smtp_error.decode())
except smtplib.SMTPRecipientsRefused as e:
    print("rcpt-refused", " ".join("%s %d %s" % (k, c, m.decode()) for k, (c, m) in e.recipients.items()))
except smtplib.SMTPDataError as e:
    print("data-refused", e.smtp_code, e.smtp_error.decode())
except smtplib.SMTPAuthenticationError as e:
    print("auth-refused", e.smtp_code, e.smtp_error.decode())
except smtplib.SMTPServerDisconnected as e:
    print("disconnected", e)
except TimeoutError as e:
    print("timeout", e)
PY
send() { python3 "$T/send.py" "$@" 2>&1 | tee -a "$T/sends.log"; }

# ---- The sandbox: an application pointed at it just works ----
out="$(send "$P_SMTP" plain sandbox-any someone@example.org nobody@lab.test alice@lab.test)"
check "sandbox: any recipient from loopback on the smtp port (remote, unknown local, known)" grep -q "^sent {}" <<<"$out"
check "sandbox: the remote and the unknown local recipient are captured" wait_for 10 captured_is sandbox-any 2
check "sandbox: the unknown local user's copy names it" grep -q "rcpt=nobody@lab.test" $(grep -lE "$(subject_re sandbox-any)" "$T"/r/captured/new/*)
check "sandbox: mail for a local user still goes to its Maildir" wait_for 10 in_alice sandbox-any 1
out="$(send "$P_SUB" login any-auth someone@example.org)"
check "accept_any_auth: a wrong password logs in, any sender is accepted" grep -q "^sent {}" <<<"$out"
out="$(python3 "$HERE/smtp_dialog.py" 127.0.0.1 "$P_SUB" "EHLO x" "MAIL FROM:<app@app.example>" QUIT)"
check "accept_any_auth: AUTH is still required on submission (530)" grep -q "^S: 530 5.7.0" <<<"$out"

# ---- Mailpit's triggers ----
body="$(curl -s "$API")"
check "GET /api/v1/chaos: Mailpit's triggers, off" python3 -c '
import json, sys; j = json.loads(sys.argv[1])
assert j["Sender"] == {"ErrorCode": 451, "Probability": 0}, j
assert j["Recipient"] == {"ErrorCode": 451, "Probability": 0} and j["Authentication"] == {"ErrorCode": 535, "Probability": 0}
' "$body"
check "chaos off: relaylab_chaos_active 0" test "$(metric relaylab_chaos_active)" = 0
check "PUT Sender 452 at 100%" test "$(put '{"Sender": {"ErrorCode": 452, "Probability": 100}}')" = 200
check "the PUT answer shows it" grep -q '"Sender":{"ErrorCode":452,"Probability":100}' "$T/put.out"
check "chaos on: relaylab_chaos_active 1" test "$(metric relaylab_chaos_active)" = 1
out="$(send "$P_SMTP" plain sender-chaos)"
check "MAIL gets the trigger's code: 452" grep -q "^mail-refused 452 4.0.0" <<<"$out"
check "PUT {} resets" test "$(put '{}')" = 200
out="$(send "$P_SMTP" plain after-reset)"
check "after the reset MAIL is accepted" grep -q "^sent {}" <<<"$out"
put '{"Recipient": {"ErrorCode": 550, "Probability": 100}}' >/dev/null
out="$(send "$P_SMTP" plain rcpt-chaos)"
check "RCPT gets the trigger's code: 550" grep -q "rcpt-refused someone@example.org 550 5.0.0" <<<"$out"
put '{"Authentication": {"ErrorCode": 454, "Probability": 100}}' >/dev/null
out="$(send "$P_SUB" login auth-chaos)"
check "AUTH gets the trigger's code: 454 (even with accept_any_auth)" grep -q "^auth-refused 454 4.7.0" <<<"$out"
check "a bad trigger is refused with 400" test "$(put '{"Sender": {"ErrorCode": 250, "Probability": 100}}')" = 400
check "the 400 says why" grep -q "ErrorCode must be between 400 and 599" "$T/put.out"
check "the bad PUT changed nothing" bash -c 'curl -s "$1" | grep -q "\"Authentication\":{\"ErrorCode\":454,\"Probability\":100}"' _ "$API"

# ---- Greylisting: first attempt 451 4.7.1, accepted after the delay ----
put '{"Relaylab": {"Greylist": {"Enabled": true, "DelayMs": 1500}}}' >/dev/null
out="$(send "$P_SMTP" plain greylisted grey@example.org)"
check "greylist: the first attempt gets 451 4.7.1" grep -q "rcpt-refused grey@example.org 451 4.7.1" <<<"$out"
retry_until_sent() { send "$P_SMTP" plain greylisted grey@example.org | grep -q "^sent {}"; }
check "greylist: a retry after the delay is accepted" wait_for 30 retry_until_sent
check "greylist: the message is captured once" wait_for 10 captured_is greylisted 1
out="$(send "$P_SMTP" plain greylisted other@example.org)"
check "greylist: another recipient is greylisted on its own" grep -q "rcpt-refused other@example.org 451 4.7.1" <<<"$out"

# ---- Every Nth message deferred after DATA (N = 2) ----
put '{"Relaylab": {"DeferEvery": 2}}' >/dev/null
for i in 1 2 3 4; do send "$P_SMTP" plain "nth-$i" >"$T/nth-$i.out"; done
check "every 2nd: message 1 accepted" grep -q "^sent {}" "$T/nth-1.out"
check "every 2nd: message 2 gets 451 4.3.0 after DATA" grep -q "^data-refused 451 4.3.0" "$T/nth-2.out"
check "every 2nd: message 3 accepted" grep -q "^sent {}" "$T/nth-3.out"
check "every 2nd: message 4 gets 451 4.3.0" grep -q "^data-refused 451 4.3.0" "$T/nth-4.out"
odd_captured() { captured_is nth-1 1 && captured_is nth-3 1; }
check "messages 1 and 3 are captured" wait_for 10 odd_captured

# ---- Drop the connection after DATA: no reply, and the message is not kept ----
put '{"Relaylab": {"DropAfterData": {"Probability": 100}}}' >/dev/null
accepted_before="$(metric relaylab_messages_accepted_total)"
out="$(send "$P_SMTP" plain dropped)"
check "drop: the client sees the connection close instead of a reply" grep -q "^disconnected" <<<"$out"
check "drop: the message was not accepted (relaylab_messages_accepted_total unchanged)" \
    test "$(metric relaylab_messages_accepted_total)" = "$accepted_before"
check "drop: counted in relaylab_chaos_drops_total" test "$(metric relaylab_chaos_drops_total)" = 1
put '{}' >/dev/null
out="$(send "$P_SMTP" plain after-drop)"
check "after the reset the next message is accepted" grep -q "^sent {}" <<<"$out"
wait_for 10 captured_is after-drop 1
check "drop: the dropped message is not in the capture" test "$(captured dropped)" = 0
check "the nth messages 2 and 4 are not in the capture either" test "$(captured nth-2)$(captured nth-4)" = 00

# ---- Slow replies: a client with a 3 s timeout gives up on a 20 s delay ----
put '{"Relaylab": {"SlowRepliesMs": 20000}}' >/dev/null
out="$(send "$P_SMTP" impatient slow)"
check "slow replies: the impatient client times out" grep -Eq "^(timeout|disconnected)" <<<"$out"
put '{}' >/dev/null
out="$(send "$P_SMTP" impatient fast)"
check "without slow replies the same client gets through" grep -q "^sent {}" <<<"$out"
check "chaos off again: relaylab_chaos_active 0" test "$(metric relaylab_chaos_active)" = 0
check "the relay logged the switches" grep -q "chaos-set" "$T/r.log" "$T/r.out"

# ---- [chaos] in the config: the switches at start ----
read -r P_SMTP2 P_HTTP2 <<<"$(free_ports 2)"
sed -e "s/:$P_SMTP\"/:$P_SMTP2\"/; s/:$P_HTTP\"/:$P_HTTP2\"/; s/^submission = .*/submission = \"\"/; s#$T/r\"#$T/c\"#" \
    "$T/r.toml" >"$T/c.toml"
printf '[chaos]\nsender_code = 450\nsender_probability = 100\n' >>"$T/c.toml"
relay_up c
out="$(send "$P_SMTP2" plain from-config)"
check "[chaos] sender_probability = 100: MAIL gets 450 from the start" grep -q "^mail-refused 450 4.0.0" <<<"$out"
check "GET /api/v1/chaos shows the configured trigger" bash -c 'curl -s "$1" | grep -q "\"Sender\":{\"ErrorCode\":450,\"Probability\":100}"' _ "http://127.0.0.1:$P_HTTP2/api/v1/chaos"
finish
