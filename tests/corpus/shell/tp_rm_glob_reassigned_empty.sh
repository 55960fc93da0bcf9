# expect: shell.rm_catastrophic critical
# path: scripts/clean.sh
#!/bin/sh
DIR=/var/cache/app
DIR=$1
rm -rf "$DIR"/*
