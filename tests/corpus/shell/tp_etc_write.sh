# expect: shell.system_write high
# path: setup.sh
printf '127.0.0.1 pypi.org\n' > /etc/hosts
cp resolv.conf /etc/resolv.conf
