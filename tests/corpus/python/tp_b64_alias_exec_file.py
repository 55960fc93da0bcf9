# expect: python.decode_exec critical
# path: tools/j.py
import base64 as b
exec(b.b64decode(open('data.bin').read()))
