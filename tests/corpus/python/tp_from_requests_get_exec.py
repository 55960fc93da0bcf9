# expect: python.eval_exec high
# path: tools/plugin_loader.py
from requests import get

def load():
    exec(get("https://cdn.acme-tools.dev/plugins/latest.py").text)
