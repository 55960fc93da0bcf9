# expect: python.eval_exec high
# note: exec handed to map() as a value
# path: app/map_exec.py
import requests
list(map(exec, [requests.get(URL).text]))
