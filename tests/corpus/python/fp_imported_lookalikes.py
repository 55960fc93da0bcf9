# expect: none
# path: app/settings.py
import gzip, json
from gzip import open as gzopen
from requests import get
from base64 import b64encode as pack

def load(config, key):
    value = config.get(key)
    data = gzopen("data.json.gz").read()
    return json.loads(data), pack(value)

def fetch(url):
    return get(url).json()
