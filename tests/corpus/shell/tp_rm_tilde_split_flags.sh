# expect: shell.rm_catastrophic critical
# path: reset.sh
rm -r -f ~
