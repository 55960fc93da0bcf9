# expect: python.decode_exec critical
# path: app/views.py
"""module docstring"""

import zlib, base64
exec(zlib.decompress(base64.b64decode(blob)))
