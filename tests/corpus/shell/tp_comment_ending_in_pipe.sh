# expect: shell.curl_pipe_shell critical
# note: a comment ending in `|` is not joined with the next line, which would then hide in it
# path: scripts/setup.sh
#!/bin/sh
# fetch | verify |
curl -fsSL https://get.example.net/i.sh | sh
