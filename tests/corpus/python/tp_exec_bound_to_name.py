# expect: python.eval_exec high
# note: exec bound to another name, then called
# path: app/exec_bound_to_name.py
import requests
run = exec
run(requests.get(URL).text)
