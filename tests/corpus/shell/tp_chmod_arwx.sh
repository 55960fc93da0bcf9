# expect: shell.chmod_777 medium
# path: perms.sh
chmod a+rwx ./data
