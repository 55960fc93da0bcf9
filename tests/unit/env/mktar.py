#!/usr/bin/env python3
"""Writes a root tarball for test_env_cache: `mktar.py OUT KIND`.
KIND: good (a small Debian-like tree), hostile (setuid file, device node,
FIFO, /workspace as a symlink to /etc, /etc/hosts as a symlink, no uid 1000),
escape (a member named ../outside), absolute (a member named /abs)."""
import io, sys, tarfile

out, kind = sys.argv[1], sys.argv[2]

def add(t, name, data=b"", mode=0o644, type_=tarfile.REGTYPE, link="", uid=0):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.uid, i.gid, i.mtime, i.linkname = type_, mode, uid, uid, 1704067200, link
    i.size = len(data) if type_ == tarfile.REGTYPE else 0
    t.addfile(i, io.BytesIO(data) if type_ == tarfile.REGTYPE else None)

with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for d in ("./", "./etc", "./bin", "./usr", "./usr/bin"):
        add(t, d, type_=tarfile.DIRTYPE, mode=0o755)
    add(t, "./etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    add(t, "./etc/group", b"root:x:0:\n")
    add(t, "./usr/bin/hello", b"#!/bin/sh\necho hello\n", mode=0o755)
    if kind == "good":
        add(t, "./etc/os-release", b"ID=unit\n")
    elif kind == "hostile":
        add(t, "./usr/bin/rootshell", b"\x7fELF", mode=0o4755)
        add(t, "./usr/bin/sgid", b"x", mode=0o2755)
        add(t, "./dev", type_=tarfile.DIRTYPE, mode=0o755)
        add(t, "./bin/sda", type_=tarfile.BLKTYPE, mode=0o666)
        add(t, "./bin/fifo", type_=tarfile.FIFOTYPE, mode=0o666)
        add(t, "./workspace", type_=tarfile.SYMTYPE, link="/etc")
        add(t, "./tmp", type_=tarfile.SYMTYPE, link="../../../../tmp")
        add(t, "./etc/hosts", type_=tarfile.SYMTYPE, link="/etc/shadow")
    elif kind == "escape":
        add(t, "../outside-of-root", b"escaped\n")
    elif kind == "absolute":
        add(t, "/abs-of-root", b"absolute\n")
