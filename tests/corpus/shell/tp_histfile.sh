# expect: shell.history_wipe high
# path: clean.sh
export HISTFILE=/dev/null
