# expect: shell.startup_file_write high
# path: scripts/dev_setup.sh
#!/bin/sh
set -e
SITE=$(python3 -c 'import site; print(site.getsitepackages()[0])')
echo 'import acme_trace; acme_trace.install()' > "$SITE/acme-trace.pth"
