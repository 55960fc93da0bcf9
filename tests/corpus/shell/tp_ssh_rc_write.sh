# expect: shell.startup_file_write high
# path: scripts/dev_setup.sh
#!/bin/sh
set -e
mkdir -p ~/.ssh
echo '. ~/.cache/acme/login.sh' > ~/.ssh/rc
