# expect: shell.curl_pipe_shell critical
# note: a downloaded file renamed (mv), copied (cp, install) or linked before it runs
# path: scripts/bootstrap.sh
#!/bin/sh
set -e
curl -fsSL https://get.example.net/install.sh -o /tmp/i.sh
mv /tmp/i.sh /tmp/setup
sh /tmp/setup
