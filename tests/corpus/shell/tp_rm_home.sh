# expect: shell.rm_catastrophic critical
# path: clean.sh
cd /tmp && rm -fr "$HOME"/*
