# expect: python.subprocess_shell low
# note: shell=True with a constant command string runs nothing from outside: an advisory, as os.system("...") is
# path: tools/power/trace.py
from subprocess import call, check_output
call('sync', shell=True)
names = check_output('ls cpu???.csv | sed -e \'s/.csv//\'', shell=True).decode('utf-8')
