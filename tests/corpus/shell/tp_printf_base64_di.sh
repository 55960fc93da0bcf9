# expect: shell.decode_exec critical
# path: scripts/r.sh
#!/bin/sh
printf '%%s' "$PAYLOAD" | base64 -di | sh
