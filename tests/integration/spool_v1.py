#!/usr/bin/env python3
"""Writes a spool segment as the previous release did ("relaylab-spool 1" MESSAGE records):
spool_v1.py STATE_DIR ID SENDER RCPT[,RCPT...] — one message, NOTIFY flags as v1 wrote them
(the default "--FD"), its content a small text message. The record frame is the spool's:
magic "RLSG", type, payload length, hash64 of the payload (engine/ids.cpp), little-endian."""
import os, struct, sys

M = (1 << 64) - 1

def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)

def hash64(seed, data):
    h = 0xCBF29CE484222325 ^ mix64(seed)
    for c in data:
        h = ((h ^ c) * 0x100000001B3) & M
    return mix64(h ^ len(data))

def record(rtype, payload):
    s = hash64(0x72656C61796C6162 ^ rtype, payload)
    return struct.pack("<IIQQ", 0x47534C52, rtype, len(payload), s) + payload

state_dir, qid, sender, rcpts = sys.argv[1:5]
content = b"Subject: written by the previous release\r\n\r\nstill here\r\n"
head = "relaylab-spool 1\nid %s\ncreated 1700000000000\nsender %s\nenvid %%\nret 0\nclient 127.0.0.1\nauth %%\nsize %d\n" % (
    qid, sender, len(content))
for r in rcpts.split(","):
    head += "rcpt %s %% --FD\n" % r
payload = (head + "\n").encode() + content
os.makedirs(os.path.join(state_dir, "spool", "log"), exist_ok=True)
with open(os.path.join(state_dir, "spool", "log", "0000000000000001.seg"), "wb") as f:
    f.write(record(1, payload))
