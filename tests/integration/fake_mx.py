#!/usr/bin/env python3
"""A tiny SMTP server for tests: fake_mx.py HOST PORT OUTDIR [broken-tls].
- the first RCPT of each recipient address gets "451 4.7.1 try later" (greylisting);
- recipients starting with "always451" always get 451; the rest get 250;
- with "broken-tls": no greylisting, STARTTLS is offered but answered with garbage instead
  of a TLS handshake;
- each accepted message is written to OUTDIR/msg-N.eml; each connection is logged to stdout."""
import os, socketserver, sys, threading

broken_tls = len(sys.argv) > 4 and sys.argv[4] == "broken-tls"
seen = set()
lock = threading.Lock()
counter = [0]

class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        print("connection", flush=True)
        self.reply("220 fake.mx ESMTP")
        rcpts = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            print("C:", cmd, flush=True)
            if verb in ("EHLO", "HELO"):
                self.reply("250-fake.mx\r\n" + ("250-STARTTLS\r\n" if broken_tls else "") + "250 8BITMIME")
            elif verb == "STARTTLS" and broken_tls:
                self.reply("220 2.0.0 go ahead")
                self.wfile.write(b"this is not a TLS server hello\r\n" * 4)
                self.wfile.flush()
                return
            elif verb == "MAIL":
                rcpts = []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                addr = cmd.split(":", 1)[1].strip().strip("<>").lower()
                with lock:
                    first = addr not in seen
                    seen.add(addr)
                if addr.startswith("always451") or (first and not broken_tls):
                    self.reply("451 4.7.1 try again later")
                else:
                    rcpts.append(addr)
                    self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                if not rcpts:
                    self.reply("554 5.5.1 no valid recipients")
                    continue
                self.reply("354 go ahead")
                data = b""
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    data += l
                with lock:
                    counter[0] += 1
                    n = counter[0]
                with open(os.path.join(sys.argv[3], "msg-%d.eml" % n), "wb") as f:
                    f.write(data)
                self.reply("250 2.0.0 ok: stored as %d" % n)
            elif verb == "RSET":
                rcpts = []
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
