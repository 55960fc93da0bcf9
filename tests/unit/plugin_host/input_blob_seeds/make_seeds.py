#!/usr/bin/env python3
"""make_seeds.py: writes seed inputs for fuzz_input_blob (layout in
worker/plugin_host/input_blob.h): a blob with one file (an added line, a
hunk line, a post-image) and one command, and one with no files."""
import os
import struct

NONE = 2**64 - 1


class Blob:
    def __init__(self):
        self.b = bytearray()

    def reserve(self, n):
        while len(self.b) % 8:
            self.b.append(0)
        off = len(self.b)
        self.b += bytes(n)
        return off

    def put(self, at, fmt, *v):
        struct.pack_into("<" + fmt, self.b, at, *v)

    def string(self, at, s):
        if s is None:
            self.put(at, "QQ", NONE, 0)
            return
        off = self.reserve(len(s) + 1)
        self.b[off:off + len(s)] = s
        self.put(at, "QQ", off, len(s))


def blob(with_file):
    w = Blob()
    h = w.reserve(56)
    w.b[0:8] = b"ALINPUT1"
    w.put(h + 8, "III", 0, 1 if with_file else 0, 1 if with_file else 0)
    w.string(h + 24, b"diff --git a/x b/x\n+hi\n")
    files = w.reserve(104 if with_file else 0)
    cmds = w.reserve(48 if with_file else 0)
    w.put(h + 40, "QQ", files, cmds)
    if with_file:
        w.string(files, b"x")
        w.string(files + 16, None)
        w.string(files + 32, b"x")
        w.string(files + 48, b"hi\n")
        w.put(files + 64, "IIIIII", 0, 0o100644, 1, 1, 1, 0)
        added, lines = w.reserve(16), w.reserve(24)
        w.put(files + 88, "QQ", added, lines)
        text = w.reserve(3)
        w.b[text:text + 2] = b"hi"
        w.put(added, "IIQ", 1, 2, text)
        w.put(lines, "IIIBBHQ", 0, 1, 2, ord("+"), 0, 0, text)
        w.string(cmds, b"run")
        w.string(cmds + 16, b"make")
        argv = w.reserve(16)
        w.put(cmds + 32, "IIQ", 0, 1, argv)
        w.string(argv, b"make")
    return bytes(w.b)


here = os.path.dirname(os.path.abspath(__file__))
for name, data in (("one_file", blob(True)), ("empty", blob(False))):
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
