# expect: python.subprocess_shell high
# path: tools/d.py
import subprocess, sys
subprocess.Popen(sys.argv[1], shell=True)
