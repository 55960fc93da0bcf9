# expect: shell.history_wipe high
# path: clean.sh
unset HISTFILE
