# expect: python.subprocess_shell medium
# path: tools/sh.py
import subprocess

def sh(cmd,
       shell=True,
       check=True):
    return subprocess.run(cmd, shell=shell, check=check)
