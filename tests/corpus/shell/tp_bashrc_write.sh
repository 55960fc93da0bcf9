# expect: shell.startup_file_write high
# path: setup.sh
echo 'export PATH=/tmp/evil:$PATH' >> ~/.bashrc
