#!/usr/bin/env python3
"""cli.pcap: `relaylab sim NAME --format pcap -o FILE` is read by Wireshark's own SMTP
dissector (tshark), which must list the same commands and reply codes per TCP connection
as the typed transcript (`relaylab sim NAME --format json`): all of them for a cleartext
session, those up to STARTTLS and its 220 for a STARTTLS session (RFC 3207 §4: then TLS
records only), none on port 465 (RFC 8314: TLS from the first octet). Also the CLI's
export rules: -o, a pcap refused on a terminal, eml as one file or a folder, markdown."""
import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile

relaylab = sys.argv[1]
tshark = shutil.which("tshark")
if not tshark:
    print("tshark not found (scripts/bootstrap installs it)")
    sys.exit(1)

RUNS = [
    ["happy-path"], ["happy-path", "--switch", "tls-failure"], ["relay-denied"], ["smtp-smuggling"],
    ["starttls-required"], ["submissions-465"], ["mx-fallback"], ["greylisting"], ["auth-failed"],
    ["tls-required-failure"],
]
failures = []
tmp = tempfile.mkdtemp()


def client_port(conn_id):
    return 49152 + (conn_id * 37) % 16000  # sim/world_network.cpp: a stable ephemeral port


notes = []


def expected(name, steps):
    """Per connection id: (commands, reply codes) an observer can read in cleartext, in
    Wireshark's terms: a command is its first four letters (smtp.req.command), a multi-line
    reply one code (smtp.response.code)."""
    out, cut, last_verb, refused_data, answered = {}, set(), {}, set(), set()
    for s in steps:
        c = s["connection"]
        if c < 0 or c in cut:
            continue
        cmds, codes = out.setdefault(c, ([], []))
        if s["kind"] == "tls" and not cmds:  # implicit TLS (port 465): nothing in the clear
            cut.add(c)
        elif s["kind"] == "command" and s["wire"]:
            # An AUTH continuation line (an answer to 334) is no command for Wireshark.
            if s["verb"] == "AUTH" and not s["wire"].upper().startswith("AUTH"):
                continue
            last_verb[c] = s["verb"]
            answered.discard(c)
            if c in refused_data:
                # Wireshark 4.0's SMTP dissector reads what follows a refused (pipelined) DATA
                # as message data; RFC 2920 §3.1 says the DATA's reply decides. Not compared.
                notes.append(f"{name}: connection {c}: {s['verb']} after a refused DATA not compared")
                continue
            cmds.append(s["verb"][:4])
        elif s["kind"] == "reply" and s["reply_line"] == 0:
            codes.append(s["code"])
            if last_verb.get(c) == "DATA" and c not in answered:  # DATA's own reply
                answered.add(c)
                if s["code"] != 354:
                    refused_data.add(c)
            if s["code"] == 220 and last_verb.get(c) == "STARTTLS":
                cut.add(c)  # TLS from here on
    return out


for args in RUNS:
    name = "-".join(a.strip("-") for a in args)
    pcap = os.path.join(tmp, name + ".pcap")
    r = subprocess.run([relaylab, "sim", *args, "--format", "pcap", "-o", pcap], capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"{name}: exit {r.returncode}: {r.stderr}")
        continue
    trace = json.loads(subprocess.run([relaylab, "sim", *args, "--format", "json"], capture_output=True,
                                      text=True, check=True).stdout)
    want = expected(name, trace["steps"])
    fields = subprocess.run([tshark, "-r", pcap, "-Y", "smtp", "-T", "fields", "-E", "separator=|",
                             "-e", "tcp.srcport", "-e", "tcp.dstport",
                             "-e", "smtp.req.command", "-e", "smtp.response.code"],
                            capture_output=True, text=True)
    if fields.returncode != 0:
        failures.append(f"{name}: tshark failed: {fields.stderr}")
        continue
    got = {}
    port_to_conn = {client_port(c): c for c in want}
    for line in fields.stdout.splitlines():
        src, dst, cmd, code = line.split("|")
        conn = port_to_conn.get(int(src)) or port_to_conn.get(int(dst))
        if conn is None:
            failures.append(f"{name}: tshark saw SMTP on an unknown connection: {line}")
            continue
        cmds, codes = got.setdefault(conn, ([], []))
        cmds += [c.upper() for c in cmd.split(",") if c]
        codes += [int(c) for c in code.split(",") if c]
    for conn, (cmds, codes) in want.items():
        g = got.get(conn, ([], []))
        if g != (cmds, codes):
            failures.append(f"{name}: connection {conn}: tshark {g} != transcript {(cmds, codes)}")
    seen = sum(len(c) + len(r) for c, r in want.values())
    print(f"{name}: {len(want)} connections, {seen} commands and replies match")
    if seen == 0 and name != "submissions-465":
        failures.append(f"{name}: nothing to compare")

# The CLI's rules for writing exports.
def run(*args, **kw):
    return subprocess.run([relaylab, "sim", *args], capture_output=True, **kw)

md = run("happy-path", "--format", "markdown")
if md.returncode != 0 or not md.stdout.startswith(b"# ") or b"## Outcome" not in md.stdout:
    failures.append(f"markdown: {md.returncode} {md.stdout[:200]!r}")
one = os.path.join(tmp, "one.eml")
r = run("relay-denied", "--format", "eml", "-o", one)
if r.returncode != 1 or b"nothing to export" not in r.stderr:
    failures.append(f"eml with no message: {r.returncode} {r.stderr!r}")
r = run("smtp-smuggling", "--format", "eml", "-o", one)
if r.returncode != 0 or not open(one, "rb").read().startswith(b"Return-Path: <mallory@evil.test>\r\n"):
    failures.append(f"eml one file: {r.returncode} {r.stderr!r}")
folder = os.path.join(tmp, "emls")
r = run("happy-path", "--format", "eml", "-o", folder)
names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
if r.returncode != 0 or len(names) < 2 or not all(n.endswith(".eml") for n in names):
    failures.append(f"eml folder: {r.returncode} {names} {r.stderr!r}")
r = run("happy-path", "--format", "eml")
if r.returncode != 2 or b"-o DIR" not in r.stderr:
    failures.append(f"eml several without -o: {r.returncode} {r.stderr!r}")
# A pcap is not written to a terminal.
pid, fd = pty.fork()
if pid == 0:
    os.execv(relaylab, [relaylab, "sim", "happy-path", "--format", "pcap"])
out = b""
try:
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        out += chunk
except OSError:
    pass
_, status = os.waitpid(pid, 0)
if os.waitstatus_to_exitcode(status) != 2 or b"-o FILE" not in out:
    failures.append(f"pcap to a terminal: {os.waitstatus_to_exitcode(status)} {out[:200]!r}")

shutil.rmtree(tmp)
for n in notes:
    print("note", n)
for f in failures:
    print("FAIL", f)
print(f"{len(RUNS)} pcaps compared, {len(failures)} failures")
sys.exit(1 if failures else 0)
