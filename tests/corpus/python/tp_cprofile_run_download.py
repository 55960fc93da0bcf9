# expect: python.eval_exec high
# path: bench/profile.py
import cProfile
import requests

src = requests.get("https://cdn.acme-tools.dev/plugins/latest.py").text
cProfile.run(src)
