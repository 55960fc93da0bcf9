# expect: shell.chmod_777 medium
# path: perms.sh
chmod -R 777 /srv/app
