# expect: python.subprocess_shell high
# note: shell=True kept in a dict and passed as **kw
# path: tools/bootstrap.py
import subprocess
kw = {'shell': True, 'check': True}
subprocess.call('curl -s https://get.example.net/x.py | sh', **kw)
