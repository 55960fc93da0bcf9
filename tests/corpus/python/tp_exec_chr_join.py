# expect: python.decode_exec critical
# path: t/c.py
exec(''.join(chr(c) for c in [105, 109, 112, 111, 114, 116, 32, 111, 115]))
