# expect: python.decode_exec critical
# path: tools/b.py
import zlib, base64
exec(zlib.decompress(base64.b64decode('eJxLzs8tyM9LzSspBgAb5gQ2')))
