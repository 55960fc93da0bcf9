# expect: python.eval_exec high
# expect: python.eval_exec low
# note: `with … as f` from a download, after f named a repository file: the new binding counts.
# path: setup.py
from urllib.request import urlopen
with open('pkg/version.py') as f:
    exec(f.read())
with urlopen('https://example.com/v.py') as f:
    exec(f.read())
