# expect: none
# note: the environment printed or filtered locally, env as a wrapper before a network tool
# path: scripts/debug.sh
#!/bin/sh
env | sort > build/env.txt
printenv PATH
env LANG=C curl -fsSL -o data.json https://api.example.net/v1/data
env | grep -c CI_
