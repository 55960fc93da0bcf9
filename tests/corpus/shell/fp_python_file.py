# expect: none
# note: not a shell file; the python analyzer looks at it
# path: tools/docs.py
HELP = "curl https://x | sh"
