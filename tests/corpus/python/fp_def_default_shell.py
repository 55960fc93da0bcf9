# expect: none
# path: tools/sh.py
import shlex, subprocess

def sh(cmd, shell=True):
    if not shell:
        cmd = shlex.split(cmd)
    return subprocess.run(cmd, shell=False, check=True)
