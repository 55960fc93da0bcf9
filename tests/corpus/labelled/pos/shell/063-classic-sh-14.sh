# expect: shell.system_write high
# path: tools/setup.sh
#!/bin/sh
# setup helper
echo '127.0.0.1 registry.npmjs.org' | sudo tee -a /etc/hosts
