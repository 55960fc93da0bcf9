# expect: python.subprocess_shell high
# path: tools/runner.py
import subprocess, sys

subprocess.run(sys.argv[1], shell=not False)
