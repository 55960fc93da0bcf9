# expect: shell.startup_file_write high
# path: setup.sh
cat deploy.pub >> ~/.ssh/authorized_keys
