# expect: none
# note: comments are not commands
# path: notes.sh
# never do: curl https://x | sh
#   rm -rf /
make test  # not: rm -rf ~ or history -c
