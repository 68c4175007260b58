#!/usr/bin/env bash
# Durability: a client sends messages in a loop while the relay is killed with SIGKILL and
# restarted several times. Every message that got "250" must arrive (duplicates are allowed:
# delivery is at-least-once). Then SIGTERM must exit 0.
source "$(dirname "$0")/lib.sh"

read -r P_SMTP P_SUB P_SUBS <<<"$(free_ports 3)"
relay_config a "$P_SMTP" "$P_SUB" "$P_SUBS" "" </dev/null
add_user a alice@lab.test pw
relay_up a

# The sender: 4 parallel connections, each message acknowledged only after its 250.
python3 - "$P_SMTP" "$T/acked" "$T/stop" >"$T/sender.log" 2>&1 <<'PY' &
import os, smtplib, sys, threading, time
port, acked_path, stop_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
acked = open(acked_path, "w")
deadline = time.time() + 60
def worker(w):
    n = 0
    s = None
    while not os.path.exists(stop_path) and time.time() < deadline and n < 5000:
        try:
            if s is None:
                s = smtplib.SMTP("127.0.0.1", port, timeout=5)
                s.ehlo("sender")
            n += 1
            tag = "dur-%d-%d" % (w, n)
            s.sendmail("load@example.net", ["alice@lab.test"], "Subject: %s\r\n\r\nbody %s\r\n" % (tag, tag))
            with lock:
                acked.write(tag + "\n"); acked.flush()
        except Exception as e:
            s = None
            time.sleep(0.05)
threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("sender done")
PY
SENDER=$!
PIDS+=("$SENDER")

for round in 1 2 3 4 5; do
    sleep "0.$((RANDOM % 6 + 4))"
    kill -9 "$PID_a" 2>/dev/null; wait "$PID_a" 2>/dev/null
    start_relay a "$T/a.toml"
    wait_port 127.0.0.1 "$P_SMTP" || bad "restart $round"
done
sleep 1
touch "$T/stop"
wait "$SENDER"
n_acked="$(sort -u "$T/acked" | wc -l)"
echo "acknowledged: $n_acked messages across 5 SIGKILLs"
check "some messages were acknowledged" test "$n_acked" -gt 20
check "the relay restarted after each SIGKILL" test "$(grep -c relay-started "$T/a.log")" = 6

box="$T/a/mail/lab.test/alice"
all_arrived() {
    grep -rhoa '^Subject: dur-[0-9-]*' "$box/new" 2>/dev/null | sed 's/^Subject: //' | sort -u >"$T/arrived"
    [[ -z "$(comm -23 <(sort -u "$T/acked") "$T/arrived")" ]]
}
check "every acknowledged message arrived" wait_for 60 all_arrived
missing="$(comm -23 <(sort -u "$T/acked") "$T/arrived" | wc -l)"
echo "missing: $missing, delivered files: $(count_files "$box/new")"
check "no stray files in the spool (only log segments)" \
    test -z "$(find "$T/a/spool" -type f ! -path "$T/a/spool/log/*.seg")"
check "the queue drains" wait_for 20 bash -c "\"$BIN\" queue --config \"$T/a.toml\" | grep -q '^0 message'"
few_segments() { (($(find "$T/a/spool/log" -name '*.seg' | wc -l) <= 1)); }
check "drained segments are reclaimed (only the active one left)" wait_for 10 few_segments
# A spool that cannot be written (a file size limit: EFBIG on the log append): 451 4.3.0,
# never 250; fine again once repaired.
prlimit --pid "$PID_a" --fsize=0:  # the soft limit only, so it can be lifted again
out="$(python3 "$HERE/smtp_dialog.py" 127.0.0.1 "$P_SMTP" "EHLO x" "MAIL FROM:<m@example.net>" \
    "RCPT TO:<alice@lab.test>" DATA $'Subject: not-stored\r\n\r\nx\r\n.' QUIT)"
check "spool write error -> 451 4.3.0" grep -q "^S: 451 4.3.0" <<<"$out"
check "... and no 250 for it" bash -c '! grep -q "^S: 250 2.0.0 Ok: queued" <<<"$1"' _ "$out"
prlimit --pid "$PID_a" --fsize=unlimited:
out="$(python3 "$HERE/smtp_dialog.py" 127.0.0.1 "$P_SMTP" "EHLO x" "MAIL FROM:<m@example.net>" \
    "RCPT TO:<alice@lab.test>" DATA $'Subject: stored\r\n\r\nx\r\n.' QUIT)"
check "repaired spool -> 250 again" grep -q "^S: 250 2.0.0 Ok: queued" <<<"$out"
kill -TERM "$PID_a"
st=0; wait "$PID_a" || st=$?
check "SIGTERM -> exit 0" test "$st" = 0
finish
