# expect: shell.startup_file_write high
# path: scripts/dev_env.sh
echo "export PATH=/x:\$PATH" >> "$HOME/.bashrc"
