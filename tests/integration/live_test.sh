#!/usr/bin/env bash
# The live view on a real relay (sandbox mode, http.token set): a WebSocket viewer of
# GET /api/v1/live sees swaks's submission as typed trace events — EHLO, AUTH with the
# credentials masked (RFC 4954 §4), MAIL, RCPT, DATA and the 250 that queued it, carrying
# the queue id — and a viewer of GET /api/events (Mailpit's) is told of the captured message
# with the ID GET /api/v1/messages lists. Released, the message's queue thread shows the MX
# answer (dnsmasq) and the outbound session to the test MX under the same queue id. The REST
# paths over the ring find the session,
# also from the captured message's ID; a viewer connecting later gets it in its backlog;
# without the token every one of these is refused.
source "$(dirname "$0")/lib.sh"
need_websockets

TOKEN="live-token-0123456789abcdef"
read -r P_SMTP P_SUB P_SUBS P_HTTP P_DNS P_MX <<<"$(free_ports 6)"
# A released message goes out for real: its MX from dnsmasq, to tests/integration/test_mx.py.
start_dns "$P_DNS" --mx-host=dest.test,mx.dest.test,10 --host-record=mx.dest.test,127.0.0.2
start_test_mx 127.0.0.2 "$P_MX" mx
# The page: the web build when there is one (the Chromium part below needs it).
ROOT="$(cd "$HERE/../.." && pwd)"
use_web_build
relay_config a "$P_SMTP" "$P_SUB" "$P_SUBS" "$P_HTTP" <<TOML
[relay]
dns_servers = ["127.0.0.1:$P_DNS"]
outbound_port = $P_MX
[sandbox]
release_allowed = ["dest.test"]
release_via = "mx"
[http]
token = "$TOKEN"
TOML
add_user a alice@lab.test
relay_up a "127.0.0.2:$P_MX"

U="http://127.0.0.1:$P_HTTP"
W="ws://127.0.0.1:$P_HTTP"
AUTHZ="Authorization: Bearer $TOKEN"
viewer() {  # viewer NAME PATH [HEADER]: a WebSocket client in the background, into $T/NAME.jsonl
    "$WSPY" "$HERE/live_client.py" "$W$2" "$T/$1.jsonl" ${3:+"$3"} 2>>"$T/$1.log" &
    PIDS+=($!)
}

# ---- Credentials: the upgrade passes the same check as the REST routes ----
viewer noauth /api/v1/live
viewer noauth_events /api/events
check "/api/v1/live without the token: 401" wait_for 20 grep -qsx "STATUS 401" "$T/noauth.jsonl"
check "/api/events without the token: 401" wait_for 20 grep -qsx "STATUS 401" "$T/noauth_events.jsonl"
check "/api/v1/live/sessions without the token: 401" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/live/sessions")" = 401

# ---- Two viewers, then a submission ----
viewer live /api/v1/live "$AUTHZ"
viewer events /api/events "$AUTHZ"
check "live viewer connected, greeted with a hello" wait_for 20 grep -qs '"type":"hello"' "$T/live.jsonl"
check "events viewer connected" wait_for 20 grep -qsx CONNECTED "$T/events.jsonl"

out="$(swaks --server "127.0.0.1:$P_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
    --from alice@lab.test --to someone@example.net --header "Subject: live hello" --body "watched" 2>&1)"
check "swaks: message accepted" grep -q "<~  250 2.0.0 Ok: queued as" <<<"$out"
QID="$(sed -n 's/.*Ok: queued as \([^ ]*\).*/\1/p' <<<"$out" | head -1)"

# The stream, judged as JSON (one object per line).
ev() {  # ev PYTHON-CONDITION: some event of the submission session satisfies it (e: the event)
    python3 - "$T/live.jsonl" "$1" <<'PY'
import json, sys
cond = sys.argv[2]
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("type") == "event" and m.get("role") == "submission":
        e = m
        if eval(cond):
            sys.exit(0)
sys.exit(1)
PY
}
check "stream: EHLO command from the client" wait_for 30 ev 'e["kind"]=="command" and e["verb"]=="EHLO" and e["from"]=="127.0.0.1" and e["to"]=="a.lab.test"'
check "stream: STARTTLS and the TLS note" ev 'e["verb"]=="STARTTLS" or e["note"]=="tls_established"'
check "stream: AUTH with the credentials masked" ev 'e["verb"]=="AUTH" and "<credentials hidden>" in e["text"] and e["secret"] is not None and e["rfc"].startswith("RFC 4954")'
secret="$(printf '\0alice@lab.test\0alice-pw' | base64 -w0)"
check "stream: the password and its base64 never appear" bash -c '! grep -q -e "alice-pw" -e "$1" "$2"' _ "$secret" "$T/live.jsonl"
check "stream: MAIL FROM" ev 'e["verb"]=="MAIL" and "alice@lab.test" in e["text"]'
check "stream: RCPT TO" ev 'e["verb"]=="RCPT" and "someone@example.net" in e["text"]'
check "stream: DATA" ev 'e["verb"]=="DATA"'
check "stream: the 250 after the content carries the queue id ($QID)" \
    wait_for 30 ev "e['kind']=='reply' and e['code']==250 and e['phase']=='content' and e['queue_id']=='$QID'"
check "stream: explanations with RFC sections" ev 'e["verb"]=="MAIL" and e["explain"] != "" and "RFC 5321" in e["rfc"]'
check "stream: the message's queue thread (same queue id), captured by the sandbox" wait_for 30 python3 -c '
import json, sys
for line in open(sys.argv[1]):
    try: m = json.loads(line)
    except ValueError: continue
    if m.get("type") == "event" and m.get("role") == "queue" and m.get("queue_id") == sys.argv[2] and m.get("outcome") == "captured":
        sys.exit(0)
sys.exit(1)' "$T/live.jsonl" "$QID"

# ---- /api/events: Mailpit's "new" event with the ID the REST API lists ----
check "events: a new message announced" wait_for 30 grep -qs '"Type":"new"' "$T/events.jsonl"
LISTED="$(curl -s -H "$AUTHZ" "$U/api/v1/messages" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["ID"])')"
ANNOUNCED="$(grep '"Type":"new"' "$T/events.jsonl" | head -1 | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline())["Data"]; print(d["ID"], d["Subject"])')"
check "events: the announced ID is the listed one ($LISTED)" test "$ANNOUNCED" = "$LISTED live hello"

# ---- The ring over REST ----
sessions="$(curl -s -H "$AUTHZ" "$U/api/v1/live/sessions")"
SID="$(python3 -c 'import json,sys
for s in json.loads(sys.argv[1]):
    if s["role"] == "submission" and sys.argv[2] in s["messages"]: print(s["id"]); break' "$sessions" "$QID")"
check "sessions: the submission session lists the message" test -n "$SID"
check "sessions: its status once closed" python3 -c 'import json,sys
s=[s for s in json.loads(sys.argv[1]) if s["id"]==sys.argv[2]][0]
sys.exit(0 if s["status"] in ("quit","eof") and s["peer"]=="127.0.0.1" and s["started"]>0 else 1)' "$sessions" "$SID"
check "session/{id}: its events, EHLO among them" python3 -c 'import json,sys
d=json.loads(sys.argv[1]); sys.exit(0 if d["session"]["id"]==sys.argv[2] and any(e["verb"]=="EHLO" for e in d["events"]) else 1)' \
    "$(curl -s -H "$AUTHZ" "$U/api/v1/live/session/$SID")" "$SID"
check "by-message/{captured ID}: the submission and the queue thread" python3 -c 'import json,sys
d=json.loads(sys.argv[1]); ids=[s["session"]["id"] for s in d["sessions"]]
sys.exit(0 if d["queue_id"]==sys.argv[3] and sys.argv[2] in ids and "q-"+sys.argv[3] in ids else 1)' \
    "$(curl -s -H "$AUTHZ" "$U/api/v1/live/by-message/$LISTED")" "$SID" "$QID"
check "session/{unknown}: 404" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTHZ" "$U/api/v1/live/session/in-999999")" = 404

# ---- A release: the queue thread's DNS answers, the outbound session, one queue id ----
check "release of the captured message accepted" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTHZ" \
    -X POST --data '{"To":["rcpt@dest.test"]}' "$U/api/v1/message/$LISTED/release")" = 200
check "stream: MX answer, outbound session and relayed result under one queue id" wait_for 60 python3 -c '
import json, sys
events = []
for line in open(sys.argv[1]):
    try: m = json.loads(line)
    except ValueError: continue
    if m.get("type") == "event": events.append(m)
for d in events:
    if d["role"] == "queue" and d["kind"] == "dns_answer" and d["text"].startswith("dest.test MX: 10 mx.dest.test"):
        q = d["queue_id"]
        out = [e for e in events if e["role"] == "outbound" and e["queue_id"] == q]
        sent = any(e["kind"] == "reply" and e["code"] == 250 and e["phase"] == "content" for e in out)
        ehlo = any(e["verb"] == "EHLO" and e["from"] == "a.lab.test" and e["peer"].startswith("127.0.0.2:") for e in out)
        relayed = any(e["role"] == "queue" and e["queue_id"] == q and e["outcome"] == "relayed" for e in events)
        sys.exit(0 if sent and ehlo and relayed else 1)
sys.exit(1)' "$T/live.jsonl"
# The same answers and the connection as typed fields (docs/trace-format.md): no reader
# parses them out of "text" (RFC 5321 §5.1: MX, then the exchange's address).
check "stream: typed DNS answers (MX records, addresses) and the connect target" python3 -c '
import json, sys
events = [m for m in map(lambda l: json.loads(l) if l.startswith("{") else {}, open(sys.argv[1])) if m.get("type") == "event"]
mx = [e for e in events if e["kind"] == "dns_answer" and (e["dns"] or {}).get("type") == "MX"]
a = [e for e in events if e["kind"] == "dns_answer" and (e["dns"] or {}).get("type") == "A"]
conn = [e for e in events if e["kind"] == "connect" and e["role"] == "outbound" and e["connect"]]
ok = any(e["dns"] == {"name": "dest.test", "type": "MX", "status": "ok",
                      "mx": [{"preference": 10, "host": "mx.dest.test"}], "addresses": []} for e in mx)
ok = ok and any(e["dns"]["name"] == "mx.dest.test" and e["dns"]["addresses"] == ["127.0.0.2"] and e["dns"]["status"] == "ok" for e in a)
ok = ok and any(e["connect"] == {"host": "mx.dest.test", "address": "127.0.0.2", "port": int(sys.argv[2])} for e in conn)
ok = ok and all(e["dns"] is None for e in events if e["kind"] not in ("dns_query", "dns_answer"))
sys.exit(0 if ok else 1)' "$T/live.jsonl" "$P_MX"

# ---- A later viewer starts with the backlog ----
viewer late /api/v1/live "$AUTHZ"
check "a later viewer's hello holds the session" wait_for 20 python3 -c 'import json,sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        m=json.loads(line)
        if m["type"]=="hello":
            sys.exit(0 if any(s["id"]==sys.argv[2] for s in m["sessions"]) and any(e.get("session")==sys.argv[2] for e in m["events"]) else 1)
sys.exit(1)' "$T/late.jsonl" "$SID"

# ---- Chromium: the page served by the relay, in Live mode, shows a session sent now ----
if [[ -f "$ROOT/build/web/relaylab.wasm" && -d "$ROOT/node_modules/playwright-core" ]]; then
    if NODE_PATH="$ROOT/node_modules" node "$ROOT/tests/browser/live.mjs" "$U" "$TOKEN" "$P_SUB" >"$T/page.out" 2>&1; then
        ok "page in Live mode shows the session ($(tail -1 "$T/page.out"))"
    else
        bad "page in Live mode"; cat "$T/page.out"
    fi
else
    bad "page in Live mode: build/web (scripts/build web) and node_modules (npm ci) are needed"
fi

finish
