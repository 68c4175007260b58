# Helpers for the integration tests (sourced). Loopback only; every process we start is
# recorded and killed on exit; every wait is bounded.
set -u
BIN="${1:?usage: $0 path/to/relaylab}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
T="$(mktemp -d /tmp/relaylab-it.XXXXXX)"
PIDS=()
PASS=0
FAIL=0

cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    if ((FAIL)) && [[ -z "${KEEP:-}" ]]; then
        for f in "$T"/*.log; do [[ -f "$f" ]] && { echo "--- $f (tail)"; tail -n 30 "$f"; }; done
    fi
    [[ -z "${KEEP:-}" ]] && rm -rf "$T"
}
trap cleanup EXIT

# Tools the tests drive; swaks needs Net::SSLeay for --tls (Debian: libnet-ssleay-perl).
for tool in swaks openssl python3 curl; do
    command -v "$tool" >/dev/null || { echo "FAIL missing tool: $tool (scripts/bootstrap installs it)"; exit 1; }
done
perl -MNet::SSLeay -e1 2>/dev/null || { echo "FAIL swaks cannot do TLS: install libnet-ssleay-perl"; exit 1; }

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }
check() {  # check NAME COMMAND...: passes when the command succeeds
    local name="$1"; shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
finish() {
    echo "$PASS passed, $FAIL failed"
    ((FAIL == 0))
}

# free_ports N: N distinct free TCP ports on 127.0.0.1 (held open together while chosen).
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# wait_port HOST PORT: up to 10 s for a listener.
wait_port() {
    local i
    for i in $(seq 1 100); do
        python3 -c "import socket,sys; s=socket.create_connection(('$1',$2),0.2); s.close()" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# wait_for SECONDS COMMAND...: retries the command every 0.2 s until it succeeds.
wait_for() {
    local limit=$(( $1 * 5 )) i; shift
    for ((i = 0; i < limit; i++)); do "$@" && return 0; sleep 0.2; done
    return 1
}

# start_relay NAME CONFIG: starts relaylab serve in the background; sets PID_<NAME>.
start_relay() {
    local name="$1" config="$2"
    (cd "$T" && exec "$BIN" serve --config "$config" >>"$T/$name.out" 2>>"$T/$name.log") &
    local pid=$!
    PIDS+=("$pid")
    printf -v "PID_$name" '%s' "$pid"
}

count_files() { find "$1" -type f 2>/dev/null | wc -l; }
# wait_files SECONDS DIR N: until DIR holds exactly N files.
wait_files() {
    local limit=$(( $1 * 5 )) i
    for ((i = 0; i < limit; i++)); do
        [[ "$(count_files "$2")" == "$3" ]] && return 0
        sleep 0.2
    done
    return 1
}
