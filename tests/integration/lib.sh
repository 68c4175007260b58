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

# free_ports N: N ports (TCP and UDP) reserved on loopback for the rest of this test.
# Choosing a free port and binding it later is a race: whatever binds in between (another
# test, or the kernel handing out a source port) wins. So ports are taken from below the
# kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768+ by default), which the
# kernel never hands out by itself; each one is locked (flock on a file per port) by a
# small process that lives as long as this test's shell, so concurrent tests never pick
# the same port; and a port is taken only if nothing is bound to it on 127.0.0.1-4.
free_ports() {
    python3 - "$1" "$$" <<'PY'
import fcntl, os, random, socket, sys, tempfile, time
count, owner = int(sys.argv[1]), int(sys.argv[2])
low, high = 20000, 32000
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        high = min(high, int(f.read().split()[0]) - 1)
except OSError:
    pass
lock_dir = os.path.join(tempfile.gettempdir(), "relaylab-ports")
os.makedirs(lock_dir, exist_ok=True)

def bindable(port):
    for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind((host, port))
            except OSError:
                return False
            finally:
                s.close()
    return True

held, ports = [], []
start = random.SystemRandom().randrange(low, high + 1)
for i in range(high - low + 1):
    if len(ports) == count:
        break
    port = low + (start - low + i) % (high - low + 1)
    f = open(os.path.join(lock_dir, "%d.lock" % port), "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        continue
    if bindable(port):
        held.append(f); ports.append(port)
    else:
        f.close()
if len(ports) < count:
    sys.exit("free_ports: only %d of %d ports available" % (len(ports), count))
print(" ".join(map(str, ports)), flush=True)
# Let the caller's $(...) finish, then keep the locks until the test's shell is gone.
devnull = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(devnull, fd)
keep = {f.fileno() for f in held}
for fd in range(3, 256):  # hold no pipe of whoever runs the test open (ctest waits for EOF)
    if fd not in keep:
        try:
            os.close(fd)
        except OSError:
            pass
if os.fork():
    os._exit(0)
os.setsid()
while True:
    try:
        os.kill(owner, 0)
    except ProcessLookupError:
        break
    except PermissionError:
        pass
    time.sleep(0.5)
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
