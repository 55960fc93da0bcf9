# expect: shell.rm_catastrophic critical
# expect: shell.sudo medium
# path: uninstall.sh
sudo rm -Rf /usr/*
