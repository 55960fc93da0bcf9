# expect: python.subprocess_shell high
# path: app/jobs.py
import subprocess
subprocess.run(cmd, shell=True, check=True)
