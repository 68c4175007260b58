#!/usr/bin/env python3
"""Connection flood on loopback: open N connections to HOST:PORT at once, hold them, and
read each one's first reply line. Prints one summary line:
    opened=N 220=A 421_4.7.0=B 421_4.3.2=C other=D silent=E failed=F
(silent: no line within the read timeout; failed: connect refused/reset).
Used by tests/integration/descriptors_test.sh and scripts/abuse.

usage: flood.py HOST PORT COUNT [HOLD_SECONDS] [READ_TIMEOUT]"""
import selectors
import socket
import sys
import time


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    hold = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    read_timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 5.0
    socks, failed = [], 0
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        except OSError:
            failed += 1
            s.close()
            continue
        socks.append(s)
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    results = {}
    deadline = time.monotonic() + read_timeout
    while len(results) < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = None
            if data:
                bufs[s] += data
                if b"\r\n" not in bufs[s]:
                    continue
            results[s] = bufs[s].split(b"\r\n", 1)[0].decode("latin-1") if data else None
            sel.unregister(s)
    counts = {"220": 0, "421_4.7.0": 0, "421_4.3.2": 0, "other": 0, "silent": 0, "failed": failed}
    for s in socks:
        line = results.get(s, "")
        if line is None:
            counts["failed"] += 1
        elif line == "":
            counts["silent"] += 1
        elif line.startswith("220"):
            counts["220"] += 1
        elif line.startswith("421 4.7.0"):
            counts["421_4.7.0"] += 1
        elif line.startswith("421 4.3.2"):
            counts["421_4.3.2"] += 1
        else:
            counts["other"] += 1
    if hold > 0:
        time.sleep(hold)
    for s in socks:
        s.close()
    print("opened=%d %s" % (len(socks), " ".join("%s=%d" % kv for kv in counts.items())), flush=True)


if __name__ == "__main__":
    main()
