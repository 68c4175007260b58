#!/usr/bin/env bash
# A workshop room on a relay with http.token set: the presenter (admin token) opens a room;
# its link's read-only token opens the page and that room only — never the inbox, the live
# view, the chaos switches or /metrics, and it cannot move the room or open another; the
# presenter's pushes reach a WebSocket follower. Then two Chromium pages: a student follows
# the presenter, detaches, re-attaches (tests/browser/room.mjs).
source "$(dirname "$0")/lib.sh"
need_websockets

TOKEN="room-admin-0123456789abcdef"
ROOT="$(cd "$HERE/../.." && pwd)"
read -r P_SMTP P_SUB P_SUBS P_HTTP <<<"$(free_ports 4)"
use_web_build
relay_config a "$P_SMTP" "$P_SUB" "$P_SUBS" "$P_HTTP" <<TOML
[http]
token = "$TOKEN"
TOML
relay_up a
U="http://127.0.0.1:$P_HTTP"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

check "POST /api/v1/rooms without credentials: 401" test "$(code -X POST "$U/api/v1/rooms")" = 401
room="$(curl -s -X POST -H "Authorization: Bearer $TOKEN" "$U/api/v1/rooms")"
ID="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$room")"
RT="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$room")"
check "the room's link carries its own token, not the admin's" python3 -c 'import json,sys
r=json.loads(sys.argv[1]); sys.exit(0 if r["link"]=="/?room=%s&token=%s" % (r["id"], r["token"]) and sys.argv[2] not in r["link"] else 1)' "$room" "$TOKEN"
RB="Authorization: Bearer $RT"
check "room token: the page (200)" test "$(code -H "$RB" "$U/")" = 200
check "room token: its room's state (200)" test "$(code -H "$RB" "$U/api/v1/rooms/$ID")" = 200
check "room token: the link sets a cookie that opens the page" bash -c \
    'curl -s -o /dev/null -c "$1/jar" "$2/?room=$3&token=$4" && test "$(curl -s -o /dev/null -w "%{http_code}" -b "$1/jar" "$2/")" = 200' \
    _ "$T" "$U" "$ID" "$RT"
for path in /api/v1/messages /api/v1/live/sessions /api/v1/chaos /metrics /api/v1/info; do
    check "room token: $path refused (401)" test "$(code -H "$RB" "$U$path")" = 401
done
check "room token: cannot move the room (403)" test "$(code -X PUT -H "$RB" --data 'scenario=x' "$U/api/v1/rooms/$ID")" = 403
check "room token: cannot open a room (401)" test "$(code -X POST -H "$RB" "$U/api/v1/rooms")" = 401

# A follower over the WebSocket sees the presenter's pushes.
"$WSPY" "$HERE/live_client.py" "ws://127.0.0.1:$P_HTTP/api/v1/rooms/$ID/follow" "$T/follow.jsonl" "$RB" 2>>"$T/follow.log" &
PIDS+=($!)
"$WSPY" "$HERE/live_client.py" "ws://127.0.0.1:$P_HTTP/api/v1/live" "$T/nolive.jsonl" "$RB" 2>>"$T/nolive.log" &
PIDS+=($!)
check "follower connected, told the current state" wait_for 20 grep -qs '"type":"state"' "$T/follow.jsonl"
check "room token: the live view's WebSocket refused (401)" wait_for 20 grep -qsx "STATUS 401" "$T/nolive.jsonl"
check "presenter moves the room" test "$(code -X PUT -H "Authorization: Bearer $TOKEN" --data 'scenario=greylisting&step=3' "$U/api/v1/rooms/$ID")" = 200
check "the follower is told" wait_for 20 grep -qs '"fragment":"scenario=greylisting&step=3"' "$T/follow.jsonl"

if [[ -f "$ROOT/build/web/relaylab.wasm" && -d "$ROOT/node_modules/playwright-core" ]]; then
    if NODE_PATH="$ROOT/node_modules" node "$ROOT/tests/browser/room.mjs" "$U" "$TOKEN" "$T/room.json" >"$T/page.out" 2>&1; then
        ok "two pages: a student follows, detaches and re-attaches ($(tail -1 "$T/page.out"))"
    else
        bad "two pages in a room"; cat "$T/page.out"
    fi
else
    bad "two pages in a room: build/web (scripts/build web) and node_modules (npm ci) are needed"
fi
finish
