# expect: none
# path: perms.sh
chmod 755 bin/app
chmod +x scripts/*.sh
chmod 644 config.yml
chmod -R go-w /srv/app
