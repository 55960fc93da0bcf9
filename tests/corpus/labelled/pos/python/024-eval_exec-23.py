# expect: python.eval_exec high
# path: src/pkg/loader.py
"""module docstring"""

import requests

code = requests.get(PLUGIN_URL, timeout=5).text
exec(code)
