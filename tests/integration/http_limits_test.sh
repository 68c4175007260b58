#!/usr/bin/env bash
# The HTTP listener's request bounds (Beast parser limits, native/http.cpp): an over-long
# URL gets 414 URI Too Long (RFC 9110 §15.5.15), too many or too large header fields get
# 431 Request Header Fields Too Large (RFC 6585 §5); normal requests are still served.
source "$(dirname "$0")/lib.sh"

read -r P_SMTP P_HTTP <<<"$(free_ports 2)"
relay_config h "$P_SMTP" "" "" "$P_HTTP" </dev/null
relay_up h
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
base="http://127.0.0.1:$P_HTTP"
long="$(head -c 3000 /dev/zero | tr '\0' a)"
huge="$(head -c 10000 /dev/zero | tr '\0' a)"
check "/healthz: 200" test "$(code "$base/healthz")" = 200
check "a 3000-octet URL: 414" test "$(code "$base/$long")" = 414
check "a 10000-octet URL: 414" test "$(code "$base/$huge")" = 414
many=()
for i in $(seq 1 80); do many+=(-H "X-Field-$i: v"); done
check "80 header fields: 431" test "$(code "${many[@]}" "$base/healthz")" = 431
check "one 9000-octet header field: 431" test "$(code -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' b)" "$base/healthz")" = 431
check "/healthz still 200 afterwards" test "$(code "$base/healthz")" = 200
finish
