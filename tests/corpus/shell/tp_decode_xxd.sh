# expect: shell.decode_exec critical
# path: run.sh
xxd -r -p <<< 63757266 | bash
