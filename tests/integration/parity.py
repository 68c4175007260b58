#!/usr/bin/env python3
"""Parity: the same delivery cases run through the simulator and through a real relay.

Usage: parity.py RELAYLAB_BINARY WORKDIR

For each case the script
  1. writes a world file (a scenario) and runs `relaylab sim FILE --format json`: a client,
     relay.lab.test and mx1.dest.test with the case's extensions, users and failures; the
     simulator's messages are produced by the engine on a virtual network;
  2. runs the same case for real on loopback: dnsmasq serves dest.test's MX, `relaylab serve`
     (mode mx) is the relay, and a destination server written here (below) plays
     mx1.dest.test with the same extensions, users and failures; the message is sent with
     Python's smtplib with the same envelope parameters;
  3. compares what the relay decided: per recipient, whether the destination got the message
     or a notice says it failed, the reply code and enhanced status, and the set of notices
     the relay sent to the sender (their Action and Status, RFC 3464 §2.3.3-4).
The two must agree. Loopback only; every wait is bounded.
"""
import email
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_mx  # noqa: E402  (the destination server, shared with the other tests)

BIN = os.path.abspath(sys.argv[1])
WORK = sys.argv[2]
DEST_IP = "127.0.0.2"

# ---------------------------------------------------------------- the cases
# behaviour of mx1.dest.test: offers (extensions), users (known mailboxes; others get 550
# 5.1.1), greylist (451 4.7.1 for the first try of each recipient), broken_tls (STARTTLS is
# offered, the handshake fails). relay: tls_required. dns: nxdomain (dest.test unknown).
# ipv6: "unreachable" (mx1 has an AAAA address nobody listens on, then its A address: the
# relay falls back to IPv4, RFC 5321 §5.1) or "only" (mx1 has only an AAAA address, ::1 on
# loopback: delivered over IPv6).
CASES = [
    dict(name="8bit-body-declared", body="Grüße aus Köln\r\n", body_8bitmime=True, to=["bob@dest.test"]),
    dict(name="8bit-body-undeclared", body="Grüße aus Köln\r\n", to=["bob@dest.test"]),
    dict(name="8bit-to-7bit-host", body="Grüße aus Köln\r\n", body_8bitmime=True, to=["bob@dest.test"],
         without=["8BITMIME"]),
    dict(name="utf8-recipient", body="Hallo\r\n", to=["ü@dest.test"], users=["ü@dest.test"]),
    dict(name="utf8-recipient-no-smtputf8", body="Hallo\r\n", to=["ü@dest.test"], users=["ü@dest.test"],
         without=["SMTPUTF8"]),
    dict(name="notify-success-with-dsn", body="Hello\r\n", to=["bob@dest.test"], notify="SUCCESS,FAILURE"),
    dict(name="notify-success-without-dsn", body="Hello\r\n", to=["bob@dest.test"], notify="SUCCESS,FAILURE",
         without=["DSN"]),
    dict(name="opportunistic-tls-failure", body="Hello\r\n", to=["bob@dest.test"], broken_tls=True),
    dict(name="required-tls-failure", body="Hello\r\n", to=["bob@dest.test"], broken_tls=True, tls_required=True),
    dict(name="nxdomain", body="Hello\r\n", to=["bob@dest.test"], nxdomain=True),
    dict(name="user-unknown", body="Hello\r\n", to=["bob@dest.test", "nobody@dest.test"]),
    dict(name="451-then-250", body="Hello\r\n", to=["bob@dest.test"], greylist=True),
    dict(name="aaaa-unreachable-then-a", body="Hello\r\n", to=["bob@dest.test"], ipv6="unreachable"),
    dict(name="aaaa-only", body="Hello\r\n", to=["bob@dest.test"], ipv6="only"),
]

SENDER = "alice@lab.test"


def world_for(case):
    """The case as a simulator world (the scenario format of assets/scenarios)."""
    users = case.get("users", ["bob@dest.test"])
    mx = {"name": "mx1.dest.test", "kind": "mx", "ip": "198.51.100.10", "local_domains": ["dest.test"],
          "users": [{"address": u} for u in users], "without_extensions": case.get("without", [])}
    relay = {"name": "relay.lab.test", "kind": "relay", "ip": "203.0.113.1", "local_domains": ["lab.test"],
             "users": [{"address": SENDER}], "trusted_networks": ["192.0.2.0/24"],
             # a short lifetime so that a deferral ends within the run (as the real relay's)
             "queue_lifetime_ms": 3600000}
    if case.get("tls_required"):
        relay["tls_required_domains"] = ["dest.test"]
    dns = [{"name": "lab.test", "type": "MX", "preference": 10, "value": "relay.lab.test"},
           {"name": "relay.lab.test", "type": "A", "value": "203.0.113.1"}]
    if case.get("ipv6"):
        relay["ipv6"] = "2001:db8:1::1"
        dns.append({"name": "mx1.dest.test", "type": "AAAA", "value": "2001:db8:10::10"})
    if case.get("ipv6") == "only":
        mx["ipv6"] = "2001:db8:10::10"  # reachable over IPv6, and no A record
    else:
        dns.append({"name": "mx1.dest.test", "type": "A", "value": "198.51.100.10"})
    if not case.get("nxdomain"):
        dns.append({"name": "dest.test", "type": "MX", "preference": 10, "value": "mx1.dest.test"})
    message = {"id": "m1", "client": "app", "server": "relay.lab.test", "port": 25, "starttls": False,
               "from": SENDER, "to": case["to"], "subject": "parity " + case["name"], "body": case["body"]}
    if case.get("body_8bitmime"):
        message["body_8bitmime"] = True
    if case.get("notify"):
        message["notify"] = case["notify"]
    switches = []
    effects = []
    if case.get("greylist"):
        effects.append({"type": "greylisting", "host": "mx1.dest.test"})
    if case.get("broken_tls"):
        effects.append({"type": "tls", "host": "mx1.dest.test", "result": "handshake_failure"})
    if effects:
        switches.append({"name": "case", "label": case["name"], "on": True, "effects": effects})
    return {"name": "parity-" + case["name"], "title": case["name"], "description": "parity case",
            "hosts": [{"name": "app", "kind": "client", "ip": "192.0.2.10"}, relay, mx],
            "dns": dns, "messages": [message], "switches": switches}


def notice_summary(text):
    """(Action, Status) pairs of the per-recipient blocks of a DSN, and its Reporting-MTA."""
    msg = email.message_from_string(text)
    out = []
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else [email.message_from_string(str(payload))]
            for b in blocks:
                if b.get("Action"):
                    out.append((b.get("Action").strip(), b.get("Status", "").strip()))
    return out


def sim_outcome(case):
    path = os.path.join(WORK, case["name"] + ".world.json")
    with open(path, "w") as f:
        json.dump(world_for(case), f)
    out = subprocess.run([BIN, "sim", path, "--format", "json"], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("relaylab sim failed: " + out.stderr)
    report = json.loads(out.stdout)
    notices = []
    received = {}
    for copy in report["copies"]:
        where = copy["where"]
        if copy["bounce"] and where == "mailbox " + SENDER and "Reporting-MTA: dns; relay.lab.test" in copy["content"]:
            notices += notice_summary(copy["content"])
        elif not copy["bounce"] and where.startswith("mailbox ") and copy["host"] == "mx1.dest.test":
            received[where[len("mailbox "):].lower()] = copy["content"]
    return summarise(case, received, notices)


def summarise(case, received, notices):
    rcpts = {}
    for r in case["to"]:
        content = received.get(r.lower())
        rcpts[r] = {"arrived": content is not None,
                    "8bit_on_wire": content is not None and any(ord(ch) > 127 for ch in content.split("\r\n\r\n", 1)[-1])}
    return {"recipients": rcpts, "notices": sorted(notices)}


# ---------------------------------------------------------------- the real side
def free_port(host="127.0.0.1"):
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(host, port, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        try:
            socket.create_connection((host, port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def real_outcome(case):
    d = os.path.join(WORK, case["name"])
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "dest"))
    procs = []
    try:
        p_dns = free_port()
        args = ["dnsmasq", "-d", "--port=%d" % p_dns, "--listen-address=127.0.0.1", "--bind-interfaces",
                "--no-resolv", "--no-hosts", "--pid-file="]
        dest_ip = DEST_IP
        if case.get("ipv6") == "unreachable":
            args.append("--host-record=mx1.dest.test,%s,::1" % DEST_IP)  # nothing listens on ::1
        elif case.get("ipv6") == "only":
            dest_ip = "::1"
            args.append("--host-record=mx1.dest.test,::1")
        else:
            args.append("--host-record=mx1.dest.test,%s" % DEST_IP)
        if case.get("nxdomain"):
            args.append("--address=/dest.test/")  # dnsmasq: NXDOMAIN for the domain (RFC 1035 §4.1.1)
        else:
            args.append("--mx-host=dest.test,mx1.dest.test,10")
        procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # mx1.dest.test played by our own small SMTP server, with the case's offers and users.
        options = ",".join(x for x in ("8BITMIME", "SMTPUTF8", "DSN") if x not in case.get("without", []))
        options += ",USERS=" + ";".join(case.get("users", ["bob@dest.test"]))
        if case.get("greylist"):
            options += ",GREYLIST"
        if case.get("broken_tls"):
            options += ",BROKEN-STARTTLS"
        dest = test_mx.serve(dest_ip, 0, os.path.join(d, "dest"), options)
        p_dest = dest.server_address[1]
        p_smtp = free_port()
        tls_required = '["dest.test"]' if case.get("tls_required") else "[]"
        with open(os.path.join(d, "relay.toml"), "w") as f:
            f.write(f"""hostname = "relay.lab.test"
state_dir = "{d}/state"
[listen]
smtp = "127.0.0.1:{p_smtp}"
submission = ""
submissions = ""
http = ""
[relay]
mode = "mx"
local_domains = ["lab.test"]
trusted_networks = ["127.0.0.0/8"]
dns_servers = ["127.0.0.1:{p_dns}"]
outbound_port = {p_dest}
tls_required_domains = {tls_required}
retry_base_ms = 300
max_lifetime_ms = 4000
[auth]
users_file = "{d}/users"
""")
        # The sender's mailbox on the relay: the notices land there.
        subprocess.run([BIN, "user", "add", SENDER, "--users-file", os.path.join(d, "users")], input="alice-pw\n",
                       text=True, capture_output=True, check=True, timeout=60)
        log = open(os.path.join(d, "relay.log"), "w")
        procs.append(subprocess.Popen([BIN, "serve", "--config", os.path.join(d, "relay.toml")], cwd=d,
                                      stdout=log, stderr=log))
        if not wait_port("127.0.0.1", p_smtp):
            raise RuntimeError("the relay did not start (see %s/relay.log)" % d)
        body = ("From: %s\r\nTo: %s\r\nSubject: parity %s\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n%s") % (SENDER, ", ".join(case["to"]), case["name"], case["body"])
        mail_options = []
        if case.get("body_8bitmime"):
            mail_options.append("BODY=8BITMIME")
        if any(ord(ch) > 127 for ch in "".join(case["to"])):
            mail_options.append("SMTPUTF8")
        rcpt_options = ["NOTIFY=" + case["notify"]] if case.get("notify") else []
        with smtplib.SMTP("127.0.0.1", p_smtp, local_hostname="app.lab.test", timeout=30) as s:
            s.ehlo()
            refused = {}
            s.mail(SENDER, mail_options)
            for r in case["to"]:
                code, _ = s.rcpt(r, rcpt_options)
                if code >= 400:
                    refused[r] = code
            code, _ = s.data(body.encode("utf-8"))
            if code != 250:
                raise RuntimeError("the relay did not accept the message: %d" % code)
        # Wait until the relay's queue is empty (bounded): every recipient final.
        mailbox = os.path.join(d, "state", "mail", "lab.test", "alice", "new")
        end = time.time() + 30
        while time.time() < end:
            q = subprocess.run([BIN, "queue", "--state-dir", os.path.join(d, "state")], capture_output=True, text=True)
            if q.returncode == 0 and re.search(r"^0 message\(s\)$", q.stdout, re.M):
                break
            time.sleep(0.3)
        time.sleep(0.3)
        notices = []
        if os.path.isdir(mailbox):
            for name in sorted(os.listdir(mailbox)):
                with open(os.path.join(mailbox, name), encoding="utf-8", errors="replace") as f:
                    text = f.read()
                if "Reporting-MTA: dns; relay.lab.test" in text:
                    notices += notice_summary(text)
        received = {}
        for name, rcpts in dest.accepted:
            with open(os.path.join(d, "dest", name), encoding="utf-8", errors="replace", newline="") as f:
                text = f.read()  # CR LF kept as it crossed the wire
            for rcpt in rcpts:
                received[rcpt] = text
        result = summarise(case, received, notices)
        result["wire"] = [w for w in dest.wire if w.split(" ", 1)[0].upper() in ("MAIL", "RCPT")]
        dest.shutdown()
        return result
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait()


def main():
    os.makedirs(WORK, exist_ok=True)
    passed = failed = 0
    only = os.environ.get("PARITY_CASE")
    for case in CASES:
        if only and case["name"] != only:
            continue
        sim = sim_outcome(case)
        real = real_outcome(case)
        wire = real.pop("wire")
        if sim == real:
            passed += 1
            print("ok   %-28s %s" % (case["name"], json.dumps(sim, ensure_ascii=False)))
        else:
            failed += 1
            print("FAIL %-28s\n  simulator: %s\n  relay:     %s" % (case["name"], json.dumps(sim, ensure_ascii=False),
                                                               json.dumps(real, ensure_ascii=False)))
        # What the next hop was told (RFC 6152 §2, RFC 6531 §3.4, RFC 3461 §4.1): the
        # parameters accepted from the client go on when the destination offers them.
        checks = []
        if case.get("body_8bitmime") or (not case.get("body_8bitmime") and "8bit" in case["name"]):
            if "8BITMIME" not in case.get("without", []):
                checks.append(("BODY=8BITMIME on the next hop", any("BODY=8BITMIME" in w for w in wire)))
        if case["name"] == "utf8-recipient":
            checks.append(("SMTPUTF8 on the next hop", any(" SMTPUTF8" in w for w in wire if w.upper().startswith("MAIL"))))
        if case.get("notify") and "DSN" not in case.get("without", []):
            checks.append(("NOTIFY on the next hop", any("NOTIFY=SUCCESS,FAILURE" in w for w in wire)))
        for what, good in checks:
            if good:
                passed += 1
                print("ok   %-28s %s" % (case["name"], what))
            else:
                failed += 1
                print("FAIL %-28s %s (wire: %s)" % (case["name"], what, wire))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
