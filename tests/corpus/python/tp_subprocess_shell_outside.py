# expect: python.subprocess_shell high
# path: app/jobs.py
import subprocess, sys
cmd = sys.argv[1]
subprocess.run(cmd, shell=True, check=True)
