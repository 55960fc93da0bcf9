# expect: python.subprocess_shell medium
# path: app/jobs.py
import subprocess
subprocess.run(cmd, shell=True, check=True)
