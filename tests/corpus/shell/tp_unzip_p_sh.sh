# expect: shell.decode_exec critical
# path: scripts/init.sh
#!/bin/sh
set -e
unzip -p tests/fixtures/bundle.zip setup.sh | sh
