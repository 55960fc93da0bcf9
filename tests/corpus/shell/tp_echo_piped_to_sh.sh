# expect: shell.rm_catastrophic critical
# note: an echo whose output is piped into a shell executes its string
# path: x.sh
echo "rm -rf /" | sh
