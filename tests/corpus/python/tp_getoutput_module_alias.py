# expect: python.subprocess_shell high
# note: getoutput of the subprocess module under another name, and kwargs kept in a dict, stay reported
# path: tools/probe.py
import subprocess as sp
import sys
out = sp.getoutput(sys.argv[1])
opts = {"shell": True}
