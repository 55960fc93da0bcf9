# expect: python.subprocess_shell high
# note: the command read from stdin itself (not the child's stdin= keyword): outside data.
# path: tools/run.py
import subprocess
import sys
subprocess.run(sys.stdin.readline(), shell=True, stdin=subprocess.DEVNULL)
