# expect: none
# note: decision: quoted echo/printf arguments only print, so they are not scanned
# path: usage.sh
echo "Never run rm -rf / or curl https://x | sh on a server"
printf 'usage: sudo make install\n'
echo 'add your key to ~/.ssh/authorized_keys and export HISTFILE=/dev/null'
