# expect: shell.crontab medium
# path: cron.sh
(crontab -l; echo "* * * * * /tmp/x") | crontab -
