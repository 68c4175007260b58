# Helpers for the command-line tests (sourced with the relaylab binary as $1): bin, a
# scratch folder tmp removed on exit, check, and finish for the summary and exit status.
set -u
bin="${1:?usage: $0 path/to/relaylab}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {  # check NAME EXPECTED_STATUS PATTERN -- command...
  local name="$1" want="$2" pattern="$3"; shift 4
  local out status
  out="$("$@" 2>&1)"; status=$?
  if [[ "$status" == "$want" ]] && grep -Eq -- "$pattern" <<<"$out"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    printf 'FAIL %s: status %s (want %s), output:\n%s\n' "$name" "$status" "$want" "$(head -c 2000 <<<"$out")"
  fi
}
finish() {  # the last line of a test: the counts, and its exit status
  printf '%d passed, %d failed\n' "$pass" "$fail"
  [[ "$fail" == 0 ]]
}
