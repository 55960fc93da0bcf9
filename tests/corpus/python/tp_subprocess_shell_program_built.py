# expect: python.subprocess_shell medium
# path: tools/pstate.py
import subprocess
def trace(cpu):
    cmd = 'ls cpu%03d.csv | sed -e "s/.csv//"' % cpu
    return subprocess.check_output(cmd, shell=True)
