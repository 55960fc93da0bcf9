#!/usr/bin/env python3
# make_seeds.py: writes the seed inputs of fuzz_tree_stream into seeds/: tree
# streams as AGENT_MSG_TREE frames (agent_proto.h: 4-byte big-endian length,
# one msgpack map), honest ones and hostile ones (.., absolute paths, writes
# through a symlink, setuid modes, data without a file). Run it again after a
# change of the TREE message; the seeds are checked in.
import os, struct, sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from seedlib import agent_frame  # noqa: E402


def frame(kind, path, mode, data=b''):
    return agent_frame([('t', 22), ('id', 7), ('data', data), ('kind', kind), ('path', path), ('mode', mode)])

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
