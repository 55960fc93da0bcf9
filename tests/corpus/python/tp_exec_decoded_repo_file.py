# expect: python.decode_exec critical
# note: a repository file's text decoded before it runs hides what it runs: still critical.
# path: setup.py
import base64
exec(base64.b64decode(open('data/blob.txt').read()))
