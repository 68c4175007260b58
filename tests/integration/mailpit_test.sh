#!/usr/bin/env bash
# The captured-mail inbox through Mailpit's REST API, judged by Mailpit's own TypeScript client
# (the `mailpit-api` npm package, tests/integration/mailpit_client.mjs): a relay in sandbox
# mode captures what swaks submits (plain, multipart with HTML and an attachment, a UTF-8
# subject to two recipients; one local recipient too); the client lists, reads, searches, releases (through the
# relay's queue, the MX found in dnsmasq, to tests/integration/test_mx.py) and deletes; after a
# restart the IDs are the same.
source "$(dirname "$0")/lib.sh"

ROOT="$(cd "$HERE/../.." && pwd)"
export NODE_PATH="$ROOT/node_modules"
[[ -d "$NODE_PATH/mailpit-api" ]] || { echo "FAIL node_modules/mailpit-api missing (scripts/bootstrap runs npm ci)"; exit 1; }

# The page under test: assets/web/index.html as the relay serves it (its relaylab.inbox API
# runs before the WebAssembly module loads, so the module is not needed here).
mkdir -p "$T/web"
cp "$ROOT/assets/web/index.html" "$T/web/index.html"
export RELAYLAB_WEB_DIR="$T/web"

read -r P_SMTP P_SUB P_SUBS P_HTTP P_DNS P_MX <<<"$(free_ports 6)"
start_dns "$P_DNS" --mx-host=dest.test,mx.dest.test,10 --host-record=mx.dest.test,127.0.0.2
start_test_mx 127.0.0.2 "$P_MX" mx

relay_config a "$P_SMTP" "$P_SUB" "$P_SUBS" "$P_HTTP" <<TOML
[relay]
dns_servers = ["127.0.0.1:$P_DNS"]
outbound_port = $P_MX
[sandbox]
release_allowed = ["dest.test", "*@ok.example"]
release_via = "mx"
TOML
add_user a alice@lab.test
add_user a bob@lab.test
relay_up a "127.0.0.2:$P_MX"

send() {  # send SWAKS-ARGS...: one submission as alice (STARTTLS + AUTH)
    swaks --server "127.0.0.1:$P_SUB" --tls --auth PLAIN --auth-user alice@lab.test --auth-password alice-pw \
        --from alice@lab.test "$@" 2>&1
}

out="$(send --to rcpt@dest.test --header "Subject: plain hello" --body "Just some plain text, nothing more.")"
check "plain message accepted" grep -q "<~  250 2.0.0 Ok: queued as" <<<"$out"
check "plain message captured" wait_files 20 "$T/a/captured/new" 1

cat >"$T/multi.eml" <<'EML'
From: Alice Example <alice@lab.test>
To: Rcpt <rcpt@dest.test>
Subject: multipart with attachment
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed-1"

--mixed-1
Content-Type: multipart/alternative; boundary="alt-1"

--alt-1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Plain alternative: caf=C3=A9 au lait.
--alt-1
Content-Type: text/html; charset=utf-8

<html><body><p>HTML <b>alternative</b></p></body></html>
--alt-1--
--mixed-1
Content-Type: text/csv; name="numbers.csv"
Content-Disposition: attachment; filename="numbers.csv"
Content-Transfer-Encoding: base64

b25lLHR3byx0aHJlZQoxLDIsMwo=
--mixed-1--
EML
out="$(send --to rcpt@dest.test --data "$T/multi.eml")"
check "multipart message accepted" grep -q "<~  250 2.0.0 Ok: queued as" <<<"$out"
check "multipart message captured" wait_files 20 "$T/a/captured/new" 2

# Subject "Grüße aus Köln ✓" as an RFC 2047 encoded word; a Cc recipient at another domain.
# Two recipients at two domains (yann in no header, a Bcc): two captured copies, one message.
out="$(send --to zoe@other.test,yann@third.test --header 'To: zoe@other.test' --header 'Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4g4pyT?=' --body "utf-8 subject")"
check "UTF-8 subject message accepted" grep -q "<~  250 2.0.0 Ok: queued as" <<<"$out"
check "UTF-8 subject message captured, one copy per recipient" wait_files 20 "$T/a/captured/new" 4

out="$(send --to bob@lab.test --header "Subject: for a local mailbox" --body "local delivery")"
check "local message delivered" wait_files 20 "$T/a/mail/lab.test/bob/new" 1

node "$HERE/mailpit_client.mjs" phase1 "http://127.0.0.1:$P_HTTP" "$T" >"$T/client1.out" 2>&1
rc=$?
cat "$T/client1.out"
check "mailpit-api client: list, read, search, release, delete (phase 1)" test "$rc" = 0

# The released message reached the MX found in DNS, without the relay's capture header.
check "released message reached the test MX" wait_files 20 "$T/mx" 1
f="$(find "$T/mx" -name 'msg-*.eml' | head -1)"
if [[ -n "$f" ]]; then
    check "released message keeps its subject" grep -q "^Subject: multipart with attachment" "$f"
    check "released message lost the capture header" bash -c '! grep -q "X-Relaylab-Captured" "$1"' _ "$f"
    check "the MX was asked for the allowed recipient only" grep -q "C: RCPT TO:<rcpt@dest.test>" "$T/mx.log"
    check "the envelope sender is the original one" grep -q "C: MAIL FROM:<alice@lab.test>" "$T/mx.log"
fi
check "relay logged the release" grep -q "release id=.* to=rcpt@dest.test via=mx" "$T/a.log"
check "nothing was captured again by the release" test "$(count_files "$T/a/captured")" = 3  # 4 copies, 1 deleted

# Captured HTML is served sandboxed: no script, nothing remote, an opaque origin.
id="$(curl -s "http://127.0.0.1:$P_HTTP/api/v1/search?query=subject:multipart" | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["ID"])')"
h="$(curl -s -D - -o /dev/null "http://127.0.0.1:$P_HTTP/view/$id.html")"
check "the HTML view is sandboxed by its Content-Security-Policy" grep -qi "^Content-Security-Policy: sandbox; default-src 'none'" <<<"$h"
check "API answers are nosniff" grep -qi "^X-Content-Type-Options: nosniff" <<<"$h"

# The page the relay serves lists the same messages (relaylab.inbox.list(), in Chromium).
node "$HERE/mailpit_page.mjs" "http://127.0.0.1:$P_HTTP" "$T/ids.json" >"$T/page.out" 2>&1
rc=$?
cat "$T/page.out"
check "the page's relaylab.inbox.list() is the relay's inbox" test "$rc" = 0

# IDs survive a restart: they come from the Maildir file names. The restarted relay releases
# through a smarthost instead (the test MX again, no DNS).
kill "$PID_a"
wait "$PID_a" 2>/dev/null
sed -i "s/^release_via = .*/release_via = \"127.0.0.2:$P_MX\"/" "$T/a.toml"
start_relay b "$T/a.toml"
wait_port 127.0.0.1 "$P_HTTP" || { bad "relay did not restart"; finish; exit 1; }
node "$HERE/mailpit_client.mjs" phase2 "http://127.0.0.1:$P_HTTP" "$T" >"$T/client2.out" 2>&1
rc=$?
cat "$T/client2.out"
check "mailpit-api client: IDs stable across a restart, delete all (phase 2)" test "$rc" = 0
check "release by smarthost reached the test MX" wait_files 20 "$T/mx" 2
check "the smarthost release went to the allowed recipient" grep -q "C: RCPT TO:<someone@ok.example>" "$T/mx.log"
check "relay logged the smarthost release" grep -q "release id=.* to=someone@ok.example via=127.0.0.2:$P_MX" "$T/b.log"
check "delete all emptied the Maildirs" test "$(count_files "$T/a/captured") $(count_files "$T/a/mail")" = "0 0"
finish
