# expect: shell.startup_file_write high
# path: scripts/dev_setup.sh
#!/bin/sh
set -e
USER_SITE=$(python3 -m site --user-site)
mkdir -p "$USER_SITE"
cp tools/usercustomize.py "$USER_SITE/usercustomize.py"
