# expect: shell.crontab medium
# path: cron.sh
echo "* * * * * root /tmp/x" > /etc/cron.d/job
