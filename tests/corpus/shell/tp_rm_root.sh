# expect: shell.rm_catastrophic critical
# path: clean.sh
rm -rf /
