#!/usr/bin/env python3
"""Writes the seeds of fuzz_egress_mux: first byte = slice selector, then
frames of the egress mux wire (worker/guest/egress_mux.h)."""
import os
import struct

OPEN, DATA, EOF, CLOSE, ACK = 1, 2, 3, 4, 5


def frame(t, conn, payload=b"", flags=0):
    return struct.pack(">BBHI", t, flags, len(payload), conn) + payload


SEEDS = {
    "open_data_eof": frame(OPEN, 1) + frame(DATA, 1, b"CONNECT example.org:443 HTTP/1.1\r\n\r\n") + frame(EOF, 1),
    "open_close": frame(OPEN, 1) + frame(CLOSE, 1) + frame(OPEN, 2) + frame(ACK, 2, b"\0\0\0\0"),
    "many_opens": b"".join(frame(OPEN, i) for i in range(1, 20)),
    "window": frame(OPEN, 3) + b"".join(frame(DATA, 3, b"x" * 16384) for _ in range(4)),
    "dup_open": frame(OPEN, 4) + frame(OPEN, 4),
    "bad_flags": frame(OPEN, 4, flags=1),
    "unknown_conn": frame(DATA, 9, b"zz") + frame(ACK, 9, b"\0\0\0\1") + frame(EOF, 9),
    "ack_over": frame(OPEN, 5) + frame(ACK, 5, b"\0\1\0\0"),
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
os.makedirs(here, exist_ok=True)
for name, body in SEEDS.items():
    for sel in (0, 3):
        with open(os.path.join(here, f"{name}_{sel}"), "wb") as f:
            f.write(bytes([sel]) + body)
