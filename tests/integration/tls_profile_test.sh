#!/usr/bin/env bash
# TLS profiles per listener role (native/tls_profile.hpp): the submission ports take only
# Mozilla's "intermediate" suites (TLS 1.3, TLS 1.2 ECDHE + AEAD), port 25 keeps a broad
# list for opportunistic STARTTLS (RFC 7435: any encryption beats cleartext). With an RSA
# certificate, a TLS 1.2 client offering only AES128-SHA (RSA key exchange, CBC) is refused
# on 587 and 465 and accepted on 25; an ECDHE-AEAD client is accepted everywhere.
source "$(dirname "$0")/lib.sh"

read -r P_SMTP P_SUB P_SUBS <<<"$(free_ports 3)"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=t.lab.test -days 1 \
    -keyout "$T/rsa.key" -out "$T/rsa.crt" >/dev/null 2>&1
relay_config t "$P_SMTP" "$P_SUB" "$P_SUBS" "" <<TOML
[tls]
cert = "$T/rsa.crt"
key = "$T/rsa.key"
TOML
relay_up t

# handshake PORT STARTTLS(yes|no) OPENSSL-ARGS...: prints the negotiated cipher, or "refused".
handshake() {
    local port="$1" starttls="$2"; shift 2
    local extra=()
    [[ "$starttls" == yes ]] && extra=(-starttls smtp)
    local out
    out="$(printf 'QUIT\r\n' | timeout 10 openssl s_client -brief "${extra[@]}" -connect "127.0.0.1:$port" "$@" 2>&1)"
    sed -n 's/^Ciphersuite: //p' <<<"$out" | grep . || echo refused
}
weak=(-tls1_2 -cipher AES128-SHA)
check "port 25: TLS 1.2 AES128-SHA accepted (opportunistic, broad)" test "$(handshake "$P_SMTP" yes "${weak[@]}")" = AES128-SHA
check "port 587: TLS 1.2 AES128-SHA refused (intermediate)" test "$(handshake "$P_SUB" yes "${weak[@]}")" = refused
check "port 465: TLS 1.2 AES128-SHA refused (intermediate)" test "$(handshake "$P_SUBS" no "${weak[@]}")" = refused
good=(-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)
check "port 587: TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256 accepted" \
    test "$(handshake "$P_SUB" yes "${good[@]}")" = ECDHE-RSA-AES128-GCM-SHA256
check "port 465: TLS 1.3 accepted" grep -q "^TLS_" <<<"$(handshake "$P_SUBS" no -tls1_3)"
check "port 25: TLS 1.3 accepted" grep -q "^TLS_" <<<"$(handshake "$P_SMTP" yes -tls1_3)"
finish
