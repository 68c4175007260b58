#!/usr/bin/env bash
# The relay under a connection flood with few descriptors (ulimit -n 64): limits.connections
# is lowered to what fits and shown in /metrics; every flooding connection gets a greeting
# or a clear "421" (4.7.0 over the connection limit, 4.3.2 when the descriptor table is
# full, RFC 3463 X.3.2); the HTTP listener keeps to limits.http_connections (503 beyond);
# and afterwards the relay still answers /healthz and serves a legitimate client: it did not
# spin or wedge. Behaviour only, no timing thresholds.
source "$(dirname "$0")/lib.sh"

read -r P_SMTP P_HTTP <<<"$(free_ports 2)"
relay_config f "$P_SMTP" "" "" "$P_HTTP" <<TOML
[limits]
connections = 1000
per_ip = 1000
deliveries = 2
http_connections = 4
TOML
add_user f bob@lab.test
(cd "$T" && ulimit -n 64 && exec "$BIN" serve --config "$T/f.toml" >>"$T/f.out" 2>>"$T/f.log") &
PIDS+=("$!")
wait_relay f

metric() { curl -s "http://127.0.0.1:$P_HTTP/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
check "the soft descriptor limit is 64" test "$(metric relaylab_fd_limit)" = 64
lowered="$(metric relaylab_connections_limit)"
check "limits.connections lowered to what fits in 64 descriptors ($lowered)" test "${lowered:-1000}" -lt 64
check "the lowering is logged" grep -q "connections lowered" "$T/f.log"

# 200 connections at once, held for 2 s while the relay answers each.
out="$(python3 "$HERE/flood.py" 127.0.0.1 "$P_SMTP" 200 2 10)"
echo "     flood: $out"
get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$out"; }
check "every flooding connection got 220 or 421" \
    test "$(( $(get 220) + $(get 421_4.7.0) + $(get 421_4.3.2) ))" = "$(sed -n 's/^opened=\([0-9]*\).*/\1/p' <<<"$out")"
check "the flood got 421s" test "$(( $(get 421_4.7.0) + $(get 421_4.3.2) ))" -gt 0
check "no more sessions than the lowered limit" test "$(get 220)" -le "$lowered"

# The HTTP cap: idle connections beyond limits.http_connections are answered 503 and closed.
http_out="$(python3 - "$P_HTTP" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
time.sleep(0.5)
extra = socket.create_connection(("127.0.0.1", port))
extra.settimeout(5)
print(extra.recv(100).split(b"\r\n")[0].decode())
for s in held + [extra]: s.close()
PY
)"
check "HTTP beyond limits.http_connections: 503 ($http_out)" grep -q "503" <<<"$http_out"

# The descriptor table really full: the running relay's limit is cut to 3 above what it has
# open (so the 10 sessions cannot fit), then another flood. Connections that find no
# descriptor are answered "421 4.3.2" with the reserve descriptor. Every EMFILE either takes
# a waiting connection or waits for the next one, so the failures are bounded by twice the
# connections tried (a loop that retried accept at once would spin and count without bound).
pid="${PIDS[-1]}"
open_fds="$(ls /proc/"$pid"/fd | wc -l)"
python3 -c "import resource,sys; n=int(sys.argv[2]); resource.prlimit(int(sys.argv[1]), resource.RLIMIT_NOFILE, (n, n))" \
    "$pid" "$((open_fds + 3))"
out="$(python3 "$HERE/flood.py" 127.0.0.1 "$P_SMTP" 50 2 10)"
echo "     flood with $((open_fds + 3)) descriptors: $out"
check "every flooding connection got 220 or 421" \
    test "$(( $(get 220) + $(get 421_4.7.0) + $(get 421_4.3.2) ))" = "$(sed -n 's/^opened=\([0-9]*\).*/\1/p' <<<"$out")"
check "connections without a descriptor got 421 4.3.2" test "$(get 421_4.3.2)" -gt 0
python3 -c "import resource,sys; resource.prlimit(int(sys.argv[1]), resource.RLIMIT_NOFILE, (64, 64))" "$pid"
exhausted="$(metric relaylab_accept_fd_exhausted_total)"
refused="$(metric relaylab_fd_refused_total)"
echo "     EMFILE accepts: $exhausted, answered 421 4.3.2: $refused"
check "EMFILE bounded by the connections tried: no spinning ($exhausted <= 100)" test "${exhausted:-999}" -le 100
check "the 421 4.3.2 answers are counted" test "${refused:-0}" -gt 0

check "/healthz answers after the floods" wait_for 10 curl -sf "http://127.0.0.1:$P_HTTP/healthz" -o /dev/null
check "a legitimate client is served after the flood" wait_for 10 \
    swaks --silent 2 --server 127.0.0.1 --port "$P_SMTP" --from a@example.org --to bob@lab.test
check "the relay is still running" kill -0 "${PIDS[-1]}"
finish
