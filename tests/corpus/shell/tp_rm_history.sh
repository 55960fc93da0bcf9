# expect: shell.history_wipe high
# path: clean.sh
rm -f ~/.bash_history
