# expect: shell.decode_exec critical
# path: boot.sh
echo H4sIAAAAAAAAA0suLcpRSM7IL8pJUchILEoFAGn1KCsRAAAA | base64 -d | gunzip | bash
