# expect: python.eval_exec high
# expect: python.os_system high
# expect: python.deserialize high
# note: outside data reaching the call keeps the rule's severity: the request, a name
# note: assigned from the network earlier in the file, the command line
# path: app/api.py
import os, pickle, sys, requests
code = requests.get(PLUGIN_URL).text
exec(code)
os.system("convert " + sys.argv[1])
state = pickle.loads(request.data)
