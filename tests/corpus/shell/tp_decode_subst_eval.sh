# expect: shell.decode_exec critical
# path: env.sh
eval "$(printf '%s' 'ZXhwb3J0IFg9MQ==' | base64 -d)"
