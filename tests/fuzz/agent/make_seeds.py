#!/usr/bin/env python3
# make_seeds.py: writes the seed inputs of fuzz_agent_frame into seeds/: one
# honest frame stream per agent message type (agent_proto.h: 4-byte
# big-endian length, one msgpack map keyed by "t" and the type's fields) and
# a few hostile ones. Run it again after a change of the agent protocol; the
# seeds are checked in.
import os, struct, sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from seedlib import agent_frame  # noqa: E402


def frame(t, **fields):
    return agent_frame([('t', t)] + sorted(fields.items()))

EXIT = dict(exited=1, exit_code=0, signal=0, timed_out=0, truncated=0, oom=0, stdout_bytes=5,
            stderr_bytes=0, wall_us=1200, user_us=300, sys_us=100, max_rss_kb=2048)
seeds = {
    'ping': [frame(1, id=1)],
    'exec': [frame(2, id=2, argv=['/bin/sh', '-c', 'make test'], env=['PATH=/usr/bin', 'HOME=/tmp'],
                   cwd='/workspace', timeout_ms=60000, max_output=65536, max_procs=256,
                   memory_max=1 << 30, uid=1000)],
    'set_time': [frame(3, id=3, sec=1765000000, nsec=5)],
    'entropy': [frame(4, id=4, data=bytes(range(32)))],
    'requests': [frame(t, id=10 + t) for t in (5, 6, 7, 8, 10, 11)],
    'mount_usr': [frame(9, id=9, text='9p')],
    'ready': [frame(16, version=3, text='6.1.0-airlock')],
    'replies': [frame(17, id=2), frame(18, id=3, text='no such file'),
                frame(19, id=2, stream=1, data=b'hello'), frame(19, id=2, stream=2, data=b'oops\n')],
    'exec_event': [frame(20, id=2, pid=42, ppid=1, uid=1000, ts_us=1765000000000000, text='/usr/bin/make',
                         args='make test')],
    'exit': [frame(21, id=2, **EXIT), frame(21, id=2, **dict(EXIT, exited=0, signal=9, exit_code=-1, oom=1))],
    'tree': [frame(22, id=7, kind=2, path='src/a.c', mode=0o644, data=b'int x;\n')],
    'session': [frame(16, version=3, text='6.1'), frame(1, id=1), frame(17, id=1),
                frame(19, id=2, stream=1, data=b'x' * 100), frame(21, id=2, **EXIT)],
    # hostile: unknown key, duplicate key, missing field, trailing byte, oversize length, truncated
    'unknown_key': [frame(1, id=1, bogus=1)],
    'missing_field': [frame(3, id=3, sec=1)],
    'dup_key': [struct.pack('>I', 7) + b'\x83\xa1t\x01\xa2id\x01'],
    'trailing': [(lambda f: struct.pack('>I', len(f) - 3) + f[4:] + b'\xc0')(frame(1, id=1))],
    'oversize': [struct.pack('>I', (1 << 20) + 1) + b'\x81\xa1t\x01'],
    'truncated': [frame(1, id=1)[:-2]],
    'negative_in_u64': [frame(1, id=-1)],
}
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, 'seeds'), exist_ok=True)
for name, frames in seeds.items():
    with open(os.path.join(here, 'seeds', name), 'wb') as f:
        f.write(b''.join(frames))
