#!/usr/bin/env python3
"""A next hop for tests, written here: test_mx.py HOST PORT OUTDIR [OPTIONS]

OPTIONS is a comma list:
  8BITMIME, SMTPUTF8, DSN   extensions the EHLO reply offers;
  BROKEN-STARTTLS           STARTTLS is offered, then answered with bytes that are no TLS
                            handshake (the client's handshake fails);
  GREYLIST                  the first RCPT of each address gets "451 4.7.1", later ones pass;
  USERS=a@x;b@y             only these mailboxes exist; others get "550 5.1.1".
Addresses starting with "always451" always get 451. Every connection is printed as
"connection", every command line as "C: ..."; every accepted message is written to
OUTDIR/msg-N.eml as received (dot-unstuffed). Imported, serve() runs it in this process and
keeps the wire and the accepted messages on the server object."""
import os
import socket
import re
import socketserver
import sys
import threading


class Options:
    def __init__(self, text=""):
        items = [i.strip() for i in text.split(",") if i.strip()]
        upper = {i.upper() for i in items}
        self.extensions = [e for e in ("8BITMIME", "SMTPUTF8", "DSN") if e in upper]
        self.broken_starttls = "BROKEN-STARTTLS" in upper
        self.greylist = "GREYLIST" in upper
        self.users = None
        for i in items:
            if i.upper().startswith("USERS="):
                self.users = {u.lower() for u in i[6:].split(";") if u}


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address, outdir, options):
        self.outdir = outdir
        self.options = options
        self.lock = threading.Lock()
        self.seen = set()
        self.wire = []      # every command line, in order
        self.accepted = []  # (file name, [recipients]) per accepted message
        os.makedirs(outdir, exist_ok=True)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6  # an IPv6 address such as ::1
        super().__init__(address, Handler)


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        srv, opt = self.server, self.server.options
        print("connection", flush=True)
        self.reply("220 test.mx ESMTP")
        rcpts = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            print("C:", cmd, flush=True)
            with srv.lock:
                srv.wire.append(cmd)
            if verb == "EHLO":
                lines = ["test.mx"] + opt.extensions + (["STARTTLS"] if opt.broken_starttls else [])
                self.reply("\r\n".join(("250-" if i < len(lines) - 1 else "250 ") + l for i, l in enumerate(lines)))
            elif verb == "HELO":
                self.reply("250 test.mx")
            elif verb == "STARTTLS" and opt.broken_starttls:
                self.reply("220 2.0.0 go ahead")
                self.wfile.write(b"this is not a TLS server hello\r\n" * 4)
                self.wfile.flush()
                return
            elif verb == "MAIL":
                rcpts = []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                m = re.search(r"<([^>]*)>", cmd)
                addr = (m.group(1) if m else "").lower()
                with srv.lock:
                    first = addr not in srv.seen
                    srv.seen.add(addr)
                if opt.users is not None and addr not in opt.users:
                    self.reply("550 5.1.1 no such user: " + addr)
                elif addr.startswith("always451") or (opt.greylist and first):
                    self.reply("451 4.7.1 Greylisted, please try again later")
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
                    data += l[1:] if l.startswith(b"..") else l
                with srv.lock:
                    name = "msg-%d.eml" % (len(srv.accepted) + 1)
                    with open(os.path.join(srv.outdir, name), "wb") as f:
                        f.write(data)
                    srv.accepted.append((name, list(rcpts)))
                self.reply("250 2.0.0 ok: stored as " + name)
            elif verb in ("RSET", "NOOP"):
                if verb == "RSET":
                    rcpts = []
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.1 not implemented")


def serve(host, port, outdir, options):
    """Starts the server on a thread; returns it (port 0: any free port, see server_address)."""
    srv = Server((host, port), outdir, options if isinstance(options, Options) else Options(options))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


if __name__ == "__main__":
    Server((sys.argv[1], int(sys.argv[2])), sys.argv[3], Options(sys.argv[4] if len(sys.argv) > 4 else "")).serve_forever()
