# expect: none
# path: tools/sh.py
import shlex, subprocess

async def sh(cmd: str, *,
             shell: bool = True, login=False,
             use_shell=True,
             env=dict(LANG="C"),
             check=True) -> int:
    if shell:
        cmd = shlex.split(cmd)
    return subprocess.run(cmd, shell=False, check=check, env=env).returncode

def other(cmd, shell=False):
    return subprocess.run(cmd, shell=shell)
