#!/usr/bin/env bash
# The page's Inbox drawer against a real relay (assets/web/inbox.js, its Relay source and
# Chaos tab): swaks sends a multipart text + HTML message with an attachment and a plain one to
# a relay in sandbox mode; in Chromium the drawer lists what GET /api/v1/messages lists, search
# finds the multipart message by subject, its HTML is an iframe of /view/ID.html with an empty
# sandbox, the raw source shows its Subject, the attachment link downloads the right bytes,
# release off the allow-list shows the relay's refusal, delete removes it, and the Chaos tab
# PUTs /api/v1/chaos and shows "chaos is ON"; mail sent while it is open shows up
# (tests/integration/inbox_page.mjs).
source "$(dirname "$0")/lib.sh"

ROOT="$(cd "$HERE/../.." && pwd)"
export NODE_PATH="$ROOT/node_modules"
[[ -d "$NODE_PATH/playwright-core" ]] || { echo "FAIL node_modules/playwright-core missing (scripts/bootstrap runs npm ci)"; exit 1; }

# The page under test: assets/web as the relay serves it (the drawer needs no WebAssembly for
# the relay's mail, so the module is not needed here).
mkdir -p "$T/web"
cp "$ROOT"/assets/web/* "$T/web/"
export RELAYLAB_WEB_DIR="$T/web"

read -r P_SMTP P_SUB P_SUBS P_HTTP <<<"$(free_ports 4)"
relay_config a "$P_SMTP" "$P_SUB" "$P_SUBS" "$P_HTTP" <<TOML
[sandbox]
release_allowed = ["ok.example"]
release_via = "mx"
TOML
relay_up a

cat >"$T/multi.eml" <<'EML'
From: Shop <shop@app.example>
To: Rcpt <rcpt@dest.test>
Subject: Your invoice 4711
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed-1"

--mixed-1
Content-Type: multipart/alternative; boundary="alt-1"

--alt-1
Content-Type: text/plain; charset=utf-8

Thank you for your order. The invoice is attached.
--alt-1
Content-Type: text/html; charset=utf-8

<html><body><p>Thank you for your <b>order</b>.</p><img src="http://tracker.example/p.gif"><script>parent.hacked = 1</script></body></html>
--alt-1--
--mixed-1
Content-Type: text/csv; name="invoice.csv"
Content-Disposition: attachment; filename="invoice.csv"
Content-Transfer-Encoding: base64

aXRlbSxwcmljZQp0ZWEsMy41MAo=
--mixed-1--
EML
printf 'item,price\ntea,3.50\n' >"$T/invoice.csv"

out="$(swaks --server "127.0.0.1:$P_SMTP" --from shop@app.example --to rcpt@dest.test --header "Subject: plain first" --body "nothing to see" 2>&1)"
check "plain message accepted" grep -qE "<-  250 " <<<"$out"
out="$(swaks --server "127.0.0.1:$P_SMTP" --from shop@app.example --to rcpt@dest.test --data "$T/multi.eml" 2>&1)"
check "multipart message accepted" grep -qE "<-  250 " <<<"$out"
check "both captured" wait_files 20 "$T/a/captured/new" 2

node "$HERE/inbox_page.mjs" "http://127.0.0.1:$P_HTTP" "$T/invoice.csv" "$P_SMTP" >"$T/page.out" 2>&1
rc=$?
cat "$T/page.out"
check "the Inbox drawer shows the relay's mail and its chaos switches" test "$rc" = 0
chaos="$(curl -s "http://127.0.0.1:$P_HTTP/api/v1/chaos")"
check "the drawer's 'All off' left every chaos switch off" grep -q '"Sender":{"ErrorCode":451,"Probability":0}' <<<"$chaos"
finish
