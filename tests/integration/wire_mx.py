#!/usr/bin/env python3
"""A next hop that logs its wire, for tests: wire_mx.py HOST PORT OUTDIR EXTENSIONS.
EXTENSIONS is a comma list of what EHLO offers: 8BITMIME, SMTPUTF8, DSN, and BROKEN-STARTTLS
(STARTTLS is offered, then answered with garbage instead of a TLS handshake).
Every command line is printed as "C: ..." (bytes as UTF-8), every connection as "connection";
every accepted message is written to OUTDIR/msg-N.eml exactly as received (dot-unstuffed)."""
import os, socketserver, sys, threading

exts = [e for e in sys.argv[4].upper().split(",") if e]
lock = threading.Lock()
counter = [0]

class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        print("connection", flush=True)
        self.reply("220 wire.mx ESMTP")
        rcpts = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            print("C:", cmd, flush=True)
            if verb in ("EHLO", "HELO"):
                offered = [e for e in exts if e != "BROKEN-STARTTLS"]
                if "BROKEN-STARTTLS" in exts:
                    offered.append("STARTTLS")
                lines = ["wire.mx"] + offered
                self.reply("\r\n".join(("250-" if i < len(lines) - 1 else "250 ") + l for i, l in enumerate(lines)))
            elif verb == "STARTTLS" and "BROKEN-STARTTLS" in exts:
                self.reply("220 2.0.0 go ahead")
                self.wfile.write(b"this is not a TLS server hello\r\n" * 4)
                self.wfile.flush()
                return
            elif verb == "MAIL":
                rcpts = []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                rcpts.append(cmd)
                self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    data += l[1:] if l.startswith(b"..") else l
                with lock:
                    counter[0] += 1
                    n = counter[0]
                with open(os.path.join(sys.argv[3], "msg-%d.eml" % n), "wb") as f:
                    f.write(data)
                self.reply("250 2.0.0 ok: stored as %d" % n)
            elif verb in ("RSET", "NOOP"):
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.1 not implemented")

class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

os.makedirs(sys.argv[3], exist_ok=True)
Server((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
