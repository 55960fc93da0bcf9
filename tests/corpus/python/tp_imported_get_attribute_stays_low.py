# expect: python.eval_exec low
# note: `get` imported from requests is a source where it is called by that
# note: name; a `.get` of another object is not the download
# path: app/plugins.py
from requests import get

def load(config, key):
    exec(config.get(key))
