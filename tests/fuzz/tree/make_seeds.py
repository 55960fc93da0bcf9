#!/usr/bin/env python3
# make_seeds.py: writes the seed inputs of fuzz_tree_stream into seeds/: tree
# streams as AGENT_MSG_TREE frames (agent_proto.h: 4-byte big-endian length,
# one msgpack map), honest ones and hostile ones (.., absolute paths, writes
# through a symlink, setuid modes, data without a file). Run it again after a
# change of the TREE message; the seeds are checked in.
import os, struct

def pk(v):
    if isinstance(v, bool):
        raise TypeError
    if isinstance(v, int):
        if v < 128: return bytes([v])
        if v < 1 << 8: return b'\xcc' + struct.pack('>B', v)
        if v < 1 << 16: return b'\xcd' + struct.pack('>H', v)
        if v < 1 << 32: return b'\xce' + struct.pack('>I', v)
        return b'\xcf' + struct.pack('>Q', v)
    if isinstance(v, str):
        b = v.encode()
        if len(b) < 32: return bytes([0xa0 | len(b)]) + b
        if len(b) < 256: return b'\xd9' + bytes([len(b)]) + b
        return b'\xda' + struct.pack('>H', len(b)) + b
    if isinstance(v, bytes):
        if len(v) < 256: return b'\xc4' + bytes([len(v)]) + v
        return b'\xc5' + struct.pack('>H', len(v)) + v
    raise TypeError(v)

def frame(kind, path, mode, data=b''):
    items = [('t', 22), ('id', 7), ('data', data), ('kind', kind), ('path', path), ('mode', mode)]
    body = bytes([0x80 | len(items)]) + b''.join(pk(k) + pk(v) for k, v in items)
    return struct.pack('>I', len(body)) + body

DIR, FILE, DATA, LINK = 1, 2, 3, 4
seeds = {
    'honest': [frame(DIR, 'src', 0o755), frame(FILE, 'src/a.c', 0o644, b'int x;\n'),
               frame(DATA, '', 0, b'more\n'), frame(LINK, 'src/l', 0, b'a.c'),
               frame(DIR, 'ro', 0o555), frame(FILE, 'ro/f', 0o444, b'r')],
    'dotdot': [frame(FILE, '../escape', 0o644, b'x')],
    'absolute': [frame(FILE, '/tmp/escape', 0o644, b'x')],
    'through_link': [frame(LINK, 'up', 0, b'..'), frame(FILE, 'up/escape', 0o644, b'x')],
    'link_dir_same_name': [frame(LINK, 'd', 0, b'/'), frame(DIR, 'd', 0o755), frame(FILE, 'd/x', 0o644, b'x')],
    'setuid': [frame(FILE, 'su', 0o4755, b'#!/bin/sh\n')],
    'setgid_dir': [frame(DIR, 'sg', 0o2775)],
    'data_first': [frame(DATA, '', 0, b'orphan')],
    'dup': [frame(FILE, 'a', 0o644, b'1'), frame(FILE, 'a', 0o644, b'2')],
    'dot': [frame(DIR, 'a', 0o755), frame(FILE, 'a/./b', 0o644, b'x')],
    # found by the fuzzer: a map header claiming ~2^31 entries in a few bytes (msgpack-c
    # allocated for them before reading one; common/msgpack_scan refuses it first)
    'hostile_map_count': [bytes.fromhex('0000002f86a17416a26964dfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdfdf07a464617461c40a23212f62696e2f73680aa46b696e6402a4a27375a46d6f6465cd09ed')],
}
here = os.path.dirname(os.path.abspath(__file__))
for name, frames in seeds.items():
    with open(os.path.join(here, 'seeds', name), 'wb') as f:
        f.write(b''.join(frames))
