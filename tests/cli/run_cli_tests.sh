#!/usr/bin/env bash
# Command-line behaviour of the relaylab binary: exit statuses and output.
set -u
bin="$1"
pass=0 fail=0
check() {  # check NAME EXPECTED_STATUS PATTERN -- command...
  local name="$1" want="$2" pattern="$3"; shift 4
  local out status
  out="$("$@" 2>&1)"; status=$?
  if [[ "$status" == "$want" ]] && grep -Eq -- "$pattern" <<<"$out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    printf 'FAIL %s: status %s (want %s), output:\n%s\n' "$name" "$status" "$want" "$out"
  fi
}
check version 0 '^relaylab [0-9]+\.[0-9]+\.[0-9]+$' -- "$bin" --version
check help 0 'Usage:' -- "$bin" --help
check unknown-option 2 'relaylab --help' -- "$bin" --no-such-option
echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
