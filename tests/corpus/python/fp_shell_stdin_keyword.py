# expect: python.subprocess_shell medium
# note: pydoc's pipepager: `stdin=subprocess.PIPE` names the child's stdin (a pipe the
# note: program writes to), it reads no outside data; the command is a parameter: medium,
# note: as any computed command, not high.
# path: lib/pager.py
import subprocess


def pipepager(text, cmd):
    proc = subprocess.Popen(cmd, shell=True, stdin=subprocess.PIPE, errors='backslashreplace')
    proc.stdin.write(text)
