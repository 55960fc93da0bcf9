# expect: shell.decode_exec critical
# path: scripts/h.sh
#!/bin/sh
openssl base64 -d -in payload.txt | sh
