# expect: none
# note: colours, as dpkg's error helpers hold them raw
# path: scripts/log.sh
#!/bin/sh
RED="[1;31m"
RESET="[0m"
echo "${RED}error${RESET}"
