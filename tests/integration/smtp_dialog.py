#!/usr/bin/env python3
"""Plays a raw SMTP dialog: smtp_dialog.py HOST PORT [--tls] LINE...; prints every reply.
Lines are sent one at a time (no pipelining), each followed by reading one full reply."""
import socket, ssl, sys

def read_reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            break
        lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            break
    return lines

def main():
    host, port = sys.argv[1], int(sys.argv[2])
    args = sys.argv[3:]
    implicit = False
    if args and args[0] == "--tls":
        implicit = True
        args = args[1:]
    sock = socket.create_connection((host, port), timeout=10)
    if implicit:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock)
    f = sock.makefile("rb")
    for l in read_reply(f):
        print("S: " + l)
    for cmd in args:
        print("C: " + cmd)
        sock.sendall(cmd.encode() + b"\r\n")
        for l in read_reply(f):
            print("S: " + l)

main()
