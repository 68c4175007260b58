#!/usr/bin/env bash
# `relaylab rebuild`: trace events (one JSON object per line, as /api/v1/live sends them)
# become a world that `relaylab sim` runs with the same outcome. Usage: rebuild_test.sh RELAYLAB
source "$(dirname "$0")/lib.sh"
jsonl() {  # jsonl REPORT OUT: the report's steps, one per line
  python3 -c 'import json, sys
for s in json.load(open(sys.argv[1]))["steps"]: print(json.dumps(s))' "$1" >"$2"
}

# greylisting: 451 4.7.1 on the first attempt (RFC 6647), delivered on the retry
"$bin" sim greylisting --format json >"$tmp/grey.json"
jsonl "$tmp/grey.json" "$tmp/grey.jsonl"
check rebuild-help 0 '--session' -- "$bin" rebuild --help
check rebuild-writes 0 'wrote .*rebuilt.json' -- "$bin" rebuild "$tmp/grey.jsonl" -o "$tmp/rebuilt.json"
check rebuild-notes 0 'note: mx1.dest.test answered 4.7.1 to a recipient: taken as greylisting' -- \
  "$bin" rebuild "$tmp/grey.jsonl" -o "$tmp/rebuilt.json"
check rebuild-title 0 '"title": "Rebuilt from what was observed"' -- cat "$tmp/rebuilt.json"
check rebuild-sim 0 'm1 alice@lab.test -> bob@dest.test: delivered 250 2.0.0 at mx1.dest.test' -- "$bin" sim "$tmp/rebuilt.json"
"$bin" sim "$tmp/rebuilt.json" --format json >"$tmp/rerun.json"
check rebuild-same-replies 0 '^ok$' -- python3 -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
replies = lambda d: [(s["from"], s["code"], s["enhanced"]) for s in d["steps"] if s["kind"] == "reply" and s["reply_line"] == 0]
assert replies(a) == replies(b), (replies(a), replies(b))
assert (451, "4.7.1") in [(c, e) for _, c, e in replies(b)]
outcome = lambda d: [(m["id"], m["status"], m["code"], m["enhanced"], m["final_host"], m["deferrals"]) for m in d["messages"]]
assert outcome(a) == outcome(b), (outcome(a), outcome(b))
print("ok")' "$tmp/grey.json" "$tmp/rerun.json"
# the switch the observation became can be turned off: delivered at once
check rebuild-switch-off 0 'delivered 250 2.0.0' -- "$bin" sim "$tmp/rebuilt.json" --no-switch greylisting-mx1.dest.test
# a whole report is read too, and the world goes to stdout without -o
check rebuild-report 0 '"name": "rebuilt"' -- "$bin" rebuild "$tmp/grey.json"
# one session: the relay's delivery attempt alone (connection 2) still makes a world
check rebuild-session 0 '"greylisting-mx1.dest.test"' -- "$bin" rebuild "$tmp/grey.jsonl" --session 2
check rebuild-message 0 '"id": "m1"' -- "$bin" rebuild "$tmp/grey.jsonl" --message m1
check rebuild-no-match 2 'no events match' -- "$bin" rebuild "$tmp/grey.jsonl" --message nope
# clear errors, exit 2
check rebuild-missing 2 'cannot read' -- "$bin" rebuild "$tmp/none.jsonl"
{ head -n 3 "$tmp/grey.jsonl"; echo '{"kind": "telegram"}'; } >"$tmp/bad.jsonl"
check rebuild-bad-line 2 'bad.jsonl: line 4: kind: unknown value "telegram"' -- "$bin" rebuild "$tmp/bad.jsonl"

# user-unknown: 550 5.1.1 and a bounce, the same again
"$bin" sim user-unknown --format json >"$tmp/uu.json"
jsonl "$tmp/uu.json" "$tmp/uu.jsonl"
"$bin" rebuild "$tmp/uu.jsonl" -o "$tmp/uu-world.json" 2>/dev/null
check rebuild-user-unknown 0 'bounced 550 5.1.1 at mx1.dest.test' -- "$bin" sim "$tmp/uu-world.json"

finish
