#!/usr/bin/env bash
# Command-line behaviour of the relaylab binary: exit statuses and output.
source "$(dirname "$0")/lib.sh"
check version 0 '^relaylab [0-9]+\.[0-9]+\.[0-9]+$' -- "$bin" --version
check help 0 'Usage:' -- "$bin" --help
check unknown-option 2 'relaylab --help' -- "$bin" --no-such-option
check sim-help 0 '--format' -- "$bin" sim --help

# scenarios: every built-in name with its description
check scenarios 0 '^happy-path +A message travels' -- "$bin" scenarios
check scenarios-count 0 '^17$|^1[89]$|^[2-9][0-9]$' -- bash -c "'$bin' scenarios | wc -l"

# sim: text transcript and JSON report
check sim-text 0 'C: EHLO alice-laptop' -- "$bin" sim happy-path
check sim-text-outcome 0 'm1 alice@lab.test -> bob@dest.test: delivered 250 2.0.0 at mx1.dest.test' -- "$bin" sim happy-path
"$bin" sim relay-denied --format json >"$tmp/out.json" 2>&1
check sim-json 0 '^ok$' -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["scenario"] == "relay-denied" and d["seed"] == 1, d.keys()
keys = {"t_ms", "time", "kind", "phase", "topic", "from", "to", "text", "verb", "code", "enhanced",
        "reply_class", "reply_line", "outcome", "note", "state_before", "state_after", "wire", "secret", "dns",
        "connect", "explain", "rfc", "message", "connection"}  # docs/trace-format.md
assert all(set(s) == keys for s in d["steps"]), set(d["steps"][0])
denied = [s for s in d["steps"] if s["kind"] == "reply" and s["code"] == 550]
assert denied and denied[0]["enhanced"] == "5.7.1" and denied[0]["reply_class"] == "permanent", denied
assert denied[0]["phase"] == "envelope" and denied[0]["wire"].endswith("\r\n"), denied[0]
m = d["messages"][0]
assert (m["status"], m["code"], m["enhanced"], m["final_host"]) == ("rejected", 550, "5.7.1", "relay.lab.test"), m
assert set(m) >= {"id", "from", "to", "status", "code", "enhanced", "final_host"}
print("ok")' "$tmp/out.json"
check sim-seed 0 '"seed": 7' -- "$bin" sim happy-path --format json --seed 7
check sim-bad-format 2 'format' -- "$bin" sim happy-path --format xml
# --switch: the page's failure switches on the command line (same world, same engine)
check sim-switch 0 'm1 alice@lab.test -> bob@dest.test: delivered 250 2.0.0 at mx1.dest.test' -- "$bin" sim happy-path --switch tls-failure
check sim-switch-cleartext 0 'trying mx1.dest.test again without TLS' -- "$bin" sim happy-path --switch tls-failure
check sim-switch-down 0 'm1 alice@lab.test -> bob@dest.test: (deferred|bounced)' -- "$bin" sim happy-path --switch mx-down
check sim-switch-unknown 2 'has no switch "nope" \(it has: mx-down' -- "$bin" sim happy-path --switch nope
check sim-no-switch 0 'delivered 250 2.0.0' -- "$bin" sim greylisting --no-switch greylisting

"$bin" sim happy-path --format json >"$tmp/happy.json" 2>&1
check sim-json-delivered 0 '^ok$' -- python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["scenario"] == "happy-path", d.get("scenario")
steps = d["steps"]
assert len(steps) > 10, len(steps)
assert all(s["t_ms"] >= 0 for s in steps) and [s["t_ms"] for s in steps] == sorted(s["t_ms"] for s in steps)
texts = [s["text"] for s in steps]
assert any(t.startswith("EHLO ") for t in texts), "no EHLO step"
assert any(t.startswith("250 ") for t in texts), "no 250 reply step"
assert len(d["messages"]) == 1, d["messages"]
m = d["messages"][0]
assert (m["id"], m["from"], m["to"]) == ("m1", "alice@lab.test", ["bob@dest.test"]), m
assert (m["status"], m["code"], m["enhanced"], m["final_host"]) == ("delivered", 250, "2.0.0", "mx1.dest.test"), m
print("ok")' "$tmp/happy.json"

# sim FILE: a scenario file from disk, and clear errors (exit 2) for bad input
check sim-unknown 2 'neither a built-in scenario' -- "$bin" sim no-such-scenario
printf '{\n  "name": "broken",\n  "hosts": [\n' >"$tmp/broken.json"
check sim-malformed 2 'broken.json: not valid JSON \(line' -- "$bin" sim "$tmp/broken.json"
printf '{"name": "x", "hosts": [{"name": "a", "kind": "router"}], "messages": []}' >"$tmp/kind.json"
check sim-bad-field 2 'hosts\[0\]\.kind: unknown kind "router"' -- "$bin" sim "$tmp/kind.json"
python3 - "$tmp/file.json" <<'PY'
import json, sys
json.dump({"name": "from-file", "hosts": [
  {"name": "c", "kind": "client", "ip": "192.0.2.1"},
  {"name": "r.example", "kind": "relay", "ip": "192.0.2.2", "local_domains": ["example"],
   "users": [{"address": "u@example", "password": "pw"}, {"address": "v@example"}]}],
  "messages": [{"id": "x", "client": "c", "server": "r.example", "port": 587,
                "auth": {"user": "u@example", "password": "pw"}, "from": "u@example", "to": ["v@example"]}]},
  open(sys.argv[1], "w"))
PY
check sim-file 0 'x u@example -> v@example: delivered 250 2.0.0 at r.example' -- "$bin" sim "$tmp/file.json"

finish
