# expect: shell.startup_file_write high
# path: scripts/dev_setup.sh
#!/bin/sh
set -e
echo 'node-options=--require /home/ci/.cache/acme/hook.js' >> ~/.npmrc
