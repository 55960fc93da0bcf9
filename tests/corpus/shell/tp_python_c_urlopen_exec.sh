# expect: shell.curl_pipe_shell critical
# path: scripts/bootstrap.sh
#!/bin/sh
set -e
python3 -c "import urllib.request as u; exec(u.urlopen('https://get.acme-tools.dev/b.py').read())"
