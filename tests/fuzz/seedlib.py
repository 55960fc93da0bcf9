"""seedlib.py: what the make_seeds.py scripts of tests/fuzz share: msgpack
encoding of plain Python values (the subset the agent protocol uses) and the
agent frame (4-byte big-endian length, one msgpack map)."""
import struct


def pk(v):
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, int):
        if 0 <= v < 128: return bytes([v])
        if -32 <= v < 0: return struct.pack('>b', v)
        if v < 0: return b'\xd3' + struct.pack('>q', v)
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
    if isinstance(v, list):
        return bytes([0x90 | len(v)]) + b''.join(pk(x) for x in v)
    raise TypeError(v)


def agent_frame(items):
    """items: (key, value) pairs in wire order, "t" (the type) included."""
    body = bytes([0x80 | len(items)]) + b''.join(pk(k) + pk(v) for k, v in items)
    return struct.pack('>I', len(body)) + body
