#!/usr/bin/env bash
# Safe by default (native/http_auth.hpp): an HTTP listener on a non-loopback address without
# http.token is refused at start (exit status 2, the key named); with a token every request
# but /healthz needs it — Bearer, Basic with any user, or the cookie a ?token= link sets —
# and gets 401 with a Basic challenge otherwise. Only loopback addresses are ever contacted:
# the non-loopback listener binds 0.0.0.0 and is reached through 127.0.0.1.
source "$(dirname "$0")/lib.sh"

read -r P_SMTP P_HTTP P_SMTP2 P_HTTP2 <<<"$(free_ports 4)"
mkdir -p "$T/web"
echo '<html>relaylab</html>' >"$T/web/index.html"
export RELAYLAB_WEB_DIR="$T/web"
TOKEN="it-token-0123456789abcdef"
config() {  # config NAME SMTP_PORT HTTP_ADDRESS [TOKEN]
    relay_config "$1" "$2" "" "" "$3" </dev/null
    [[ -n "${4:-}" ]] && printf '[http]\ntoken = "%s"\n' "$4" >>"$T/$1.toml"
    add_user "$1" demo@lab.test pw
}

# ---- Non-loopback without a token: the relay refuses to start ----
config open "$P_SMTP2" "0.0.0.0:$P_HTTP2"
timeout 20 "$BIN" serve --config "$T/open.toml" >"$T/open.out" 2>"$T/open.err"
status=$?
check "non-loopback http without http.token: exit status 2" test "$status" = 2
check "the error names the file, the line and the key" grep -q "open.toml:7: listen.http = \"0.0.0.0:$P_HTTP2\" is not a loopback address: set http.token" "$T/open.err"
check "nothing was left listening" bash -c '! python3 -c "import socket; socket.create_connection((\"127.0.0.1\", $1), 1)" 2>/dev/null' _ "$P_HTTP2"
"$BIN" check-config "$T/open.toml" >/dev/null 2>"$T/check.err"
check "check-config says the same (exit 2)" test "$?" = 2
check "check-config names http.token" grep -q "set http.token" "$T/check.err"

# ---- A token on a loopback listener: every request but /healthz needs it ----
config a "$P_SMTP" "127.0.0.1:$P_HTTP" "$TOKEN"
relay_up a
U="http://127.0.0.1:$P_HTTP"
code() { curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@"; }
check "/ without the token: 401" test "$(code "$U/")" = 401
check "401 carries a Basic challenge" grep -qi '^WWW-Authenticate: Basic realm="relaylab"' "$T/headers"
check "/metrics without the token: 401" test "$(code "$U/metrics")" = 401
check "/api/v1/chaos without the token: 401" test "$(code "$U/api/v1/chaos")" = 401
check "PUT /api/v1/chaos without the token: 401" test "$(code -X PUT --data '{"Sender":{"Probability":100}}' "$U/api/v1/chaos")" = 401
check "the refused PUT changed nothing" bash -c 'curl -s -H "Authorization: Bearer $2" "$1/api/v1/chaos" | grep -q "\"Sender\":{\"ErrorCode\":451,\"Probability\":0}"' _ "$U" "$TOKEN"
check "a wrong token: 401" test "$(code -H "Authorization: Bearer wrong-token-0123456789" "$U/")" = 401
check "/healthz stays open" test "$(code "$U/healthz")" = 200
check "Bearer token: 200" test "$(code -H "Authorization: Bearer $TOKEN" "$U/")" = 200
check "the page is served" grep -q "relaylab" "$T/body"
check "Basic with any user and the token: 200 on /metrics" test "$(code -u "anyone:$TOKEN" "$U/metrics")" = 200
check "Basic with a wrong password: 401" test "$(code -u "anyone:nope" "$U/metrics")" = 401
check "?token= in the URL: 200" test "$(code "$U/?token=$TOKEN")" = 200
check "?token= sets an HttpOnly, SameSite=Strict cookie" grep -qi '^Set-Cookie: relaylab_session=[0-9a-f]*; Path=/; HttpOnly; SameSite=Strict' "$T/headers"
cookie="$(grep -i '^Set-Cookie:' "$T/headers" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')"
check "the cookie alone opens the API" test "$(code -H "Cookie: $cookie" "$U/api/v1/chaos")" = 200
check "the cookie does not contain the token" bash -c '[[ "$1" != *"$2"* ]]' _ "$cookie" "$TOKEN"

# ---- Non-loopback with a token: starts; reached through 127.0.0.1, the token is required ----
config b "$P_SMTP2" "0.0.0.0:$P_HTTP2" "$TOKEN"
relay_up b
U2="http://127.0.0.1:$P_HTTP2"
check "0.0.0.0 with a token: without it 401" test "$(code "$U2/api/v1/chaos")" = 401
check "0.0.0.0 with a token: with it 200" test "$(code -H "Authorization: Bearer $TOKEN" "$U2/api/v1/chaos")" = 200
finish
