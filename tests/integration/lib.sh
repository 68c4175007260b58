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

# relay_config NAME SMTP SUBMISSION SUBMISSIONS HTTP <EXTRA: writes $T/NAME.toml, the relay
# config the tests start from — hostname NAME.lab.test, state in $T/NAME, mode sandbox for
# lab.test, users in $T/NAME/users — with its four listeners, each a port (on 127.0.0.1), a
# HOST:PORT or "" (off). EXTRA (stdin; </dev/null for none) is TOML, one `key = value` a
# line under [table] headers: a key the config already has gets the new value in its place,
# any other is added to its table (a new table goes at the end). The first lines stay put:
# hostname on line 1, state_dir on 2, [listen] on 3, smtp, submission, submissions, http on
# 4 to 7 (tests match error messages that name a line).
relay_config() {
    (($# == 5)) || { echo "usage: relay_config NAME SMTP SUBMISSION SUBMISSIONS HTTP <EXTRA" >&2; exit 2; }
    local extra
    extra="$(cat)"
    python3 - "$T" "$@" "$extra" >"$T/$1.toml" <<'PY' || { echo "relay_config $1: bad EXTRA" >&2; exit 2; }
import sys
t, name, smtp, sub, subs, http, extra = sys.argv[1:]
listen = lambda v: '"%s"' % (v if v == "" or ":" in v else "127.0.0.1:" + v)
tables = {
    "": {"hostname": '"%s.lab.test"' % name, "state_dir": '"%s/%s"' % (t, name)},
    "listen": {"smtp": listen(smtp), "submission": listen(sub), "submissions": listen(subs), "http": listen(http)},
    "relay": {"mode": '"sandbox"', "local_domains": '["lab.test"]'},
    "auth": {"users_file": '"%s/%s/users"' % (t, name)},
}
table = ""
for line in extra.splitlines():
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    if line.startswith("[") and line.endswith("]"):
        table = line[1:-1].strip()
        tables.setdefault(table, {})
        continue
    key, eq, value = line.partition("=")
    if not eq:
        sys.exit("relay_config: not a key = value line: " + line)
    tables[table][key.strip()] = value.strip()  # a known key keeps its place (dicts keep order)
for table, keys in tables.items():
    if table:
        print("[%s]" % table)
    for key, value in keys.items():
        print("%s = %s" % (key, value))
PY
}

# dest_mx_config NAME PORT: $T/NAME.toml for a second relay that is dest.test's MX as the
# tests' dnsmasq records have it: mx.dest.test on 127.0.0.2:PORT (smtp only), mode mx, mail
# for dest.test.
dest_mx_config() {
    relay_config "$1" "127.0.0.2:$2" "" "" "" <<TOML
hostname = "mx.dest.test"
[relay]
mode = "mx"
local_domains = ["dest.test"]
TOML
}

# listeners CONFIG: "HOST PORT" of every listener the config turns on, one a line.
listeners() {
    awk '/^\[/ { table = $0 }
         table == "[listen]" && match($0, /"[^"]+:[0-9]+"/) {
             hp = substr($0, RSTART + 1, RLENGTH - 2); n = split(hp, a, ":"); print a[1], a[n] }' "$1"
}

# wait_listening HOST PORT: up to 10 s for a TCP listener on HOST:PORT (IPv4), seen in
# /proc/net/tcp rather than by connecting: the listener's owner is not disturbed, so no
# probe connection turns up in what a test counts (sessions, per-address rates, logs).
wait_listening() {
    local hex i
    hex="$(printf '%02X' $(tr . ' ' <<<"$1" | awk '{print $4, $3, $2, $1}')):$(printf '%04X' "$2")"
    for i in $(seq 1 100); do
        grep -q "^ *[0-9]*: $hex 00000000:0000 0A " /proc/net/tcp && return 0
        sleep 0.1
    done
    return 1
}

# wait_relay NAME [HOST:PORT...]: until every listener of $T/NAME.toml listens
# (wait_listening) and every HOST:PORT given, the test's own servers, takes a connection
# (wait_port); otherwise the test ends here, failed.
wait_relay() {
    local name="$1" host port hp; shift
    while read -r host port; do
        wait_listening "$host" "$port" || { bad "$name did not start: nothing listens on $host:$port"; finish; exit 1; }
    done < <(listeners "$T/$name.toml")
    for hp in "$@"; do
        wait_port "${hp%:*}" "${hp##*:}" || { bad "$hp did not start"; finish; exit 1; }
    done
}

# relay_up NAME [HOST:PORT...]: starts the relay of $T/NAME.toml and waits for it (wait_relay).
relay_up() {
    start_relay "$1" "$T/$1.toml"
    wait_relay "$@"
}

# add_user NAME ADDRESS [PASSWORD]: a user of relay NAME ($T/NAME/users); the password
# defaults to the address's local part and "-pw" (alice@lab.test: alice-pw).
add_user() {
    printf '%s\n' "${3:-${2%%@*}-pw}" | "$BIN" user add "$2" --users-file "$T/$1/users" >/dev/null
}

# start_dns PORT RECORD-OPTIONS...: dnsmasq on 127.0.0.1:PORT answering from the records
# given (--mx-host=..., --host-record=..., --address=...) and nothing else; log $T/dnsmasq.log.
start_dns() {
    local port="$1"; shift
    dnsmasq -d --port="$port" --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --pid-file= \
        "$@" >"$T/dnsmasq.log" 2>&1 &
    PIDS+=($!)
}

# start_test_mx HOST PORT NAME [OPTIONS]: tests/integration/test_mx.py on HOST:PORT, its
# accepted mail in $T/NAME, its wire in $T/NAME.log.
start_test_mx() {
    python3 "$HERE/test_mx.py" "$1" "$2" "$T/$3" ${4:+"$4"} >"$T/$3.log" 2>&1 &
    PIDS+=($!)
}

# use_web_build: the relay serves the web build (RELAYLAB_WEB_DIR) when there is one, else
# a stub page.
use_web_build() {
    local build
    build="$(cd "$HERE/../.." && pwd)/build/web"
    if [[ -f "$build/relaylab.wasm" ]]; then
        export RELAYLAB_WEB_DIR="$build"
    else
        mkdir -p "$T/web"
        printf '<!doctype html><title>relaylab</title>\n' >"$T/web/index.html"
        export RELAYLAB_WEB_DIR="$T/web"
    fi
}

# need_websockets: WSPY, a python3 that has the websockets module (Debian's python3-websockets
# is in the system Python; a python3 earlier on PATH may lack it), or the test ends failed.
need_websockets() {
    WSPY=python3
    python3 -c "import websockets" 2>/dev/null || WSPY=/usr/bin/python3
    "$WSPY" -c "import websockets" 2>/dev/null || { echo "FAIL python3-websockets missing (scripts/bootstrap)"; exit 1; }
}
