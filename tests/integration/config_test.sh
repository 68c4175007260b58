#!/usr/bin/env bash
# Config checking (exit 2 with file:line), users file, --help of every subcommand.
source "$(dirname "$0")/lib.sh"

cat >"$T/good.toml" <<'TOML'
hostname = "a.lab.test"
state_dir = "state"
[listen]
http = ""
[relay]
mode = "mx"
local_domains = ["lab.test", "example.lab"]
trusted_networks = ["10.0.0.0/8"]
dns_servers = ["127.0.0.1:5353"]
tls_required_domains = ["bank.example", "partner.example"]
strict_8bitmime = false
[submission]
add_missing_headers = false
TOML
out="$("$BIN" check-config "$T/good.toml" 2>&1)"; st=$?
check "check-config accepts a good file" test "$st" = 0
check "check-config reports the mode" grep -q "mode mx" <<<"$out"

out="$("$BIN" check-config "$HERE/../../native/relaylab.example.toml" 2>&1)"; st=$?
check "the example config (every key, defaults) is valid" test "$st" = 0

bad_case() {  # bad_case NAME LINE TOML
    printf '%s\n' "$3" >"$T/bad-$1.toml"
    local out st
    out="$("$BIN" check-config "$T/bad-$1.toml" 2>&1)"; st=$?
    if [[ "$st" == 2 ]] && grep -q "bad-$1.toml:$2:" <<<"$out"; then ok "bad config $1 -> exit 2, line $2"
    else bad "bad config $1: status $st, output: $out"; fi
}
bad_case syntax 3 $'hostname = "x"\n[relay]\nmode = sandbox'
bad_case unknown-key 2 $'[relay]\nmodee = "mx"'
bad_case type 3 $'hostname = "x"\n[relay]\noutbound_port = "25"'
bad_case mode 2 $'[relay]\nmode = "open"'
bad_case listen 2 $'[listen]\nsmtp = "127.0.0.1"'
bad_case cidr 3 $'\n[relay]\ntrusted_networks = ["10.0.0.0/99"]'
bad_case smarthost 2 $'[relay]\nmode = "smarthost"'
bad_case tls-domain 3 $'[relay]\nmode = "mx"\ntls_required_domains = ["not a domain"]'
bad_case strict-8bit 2 $'[relay]\nstrict_8bitmime = "no"'
bad_case submission 2 $'[submission]\nadd_missing_headers = 1'
bad_case submission-key 2 $'[submission]\nadd_headers = true'

out="$("$BIN" serve --config "$T/bad-mode.toml" 2>&1)"; st=$?
check "serve with a bad config exits 2" test "$st" = 2
check "serve names file and line" grep -q "bad-mode.toml:2: relay.mode" <<<"$out"
"$BIN" check-config "$T/missing.toml" >/dev/null 2>&1; st=$?
check "a missing file exits 2" test "$st" = 2

printf 'secret one\n' | "$BIN" user add Alice@Lab.test --users-file "$T/users" >/dev/null; st=$?
check "user add exits 0" test "$st" = 0
check "users file holds an argon2id hash" grep -q '^alice@lab.test:\$argon2id\$' "$T/users"
printf 'x\n' | "$BIN" user add bob@lab.test --users-file "$T/users" >/dev/null
check "a second user is added" test "$(wc -l <"$T/users")" = 2
printf 'x\n' | "$BIN" user add 'not an address' --users-file "$T/users" >/dev/null 2>&1; st=$?
check "a bad address is refused" test "$st" != 0
printf 'x\n' | "$BIN" user add 'ü@lab.test' --users-file "$T/users" >/dev/null 2>&1; st=$?
check "a UTF-8 mailbox is a user like any other (RFC 6531)" test "$st" = 0

for sub in serve check-config "user add" queue sim scenarios; do
    # shellcheck disable=SC2086
    out="$("$BIN" $sub --help 2>&1)"; st=$?
    if [[ "$st" == 0 ]] && grep -q "Usage:" <<<"$out"; then ok "$sub --help"; else bad "$sub --help ($st)"; fi
done
out="$("$BIN" queue --state-dir "$T/none" 2>&1)"; st=$?
check "queue on an empty spool" grep -q "0 message(s)" <<<"$out"
finish
