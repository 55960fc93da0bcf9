# expect: none
# note: IFS set and saved, quoted "$IFS"
# path: scripts/read.sh
#!/bin/sh
OLDIFS=$IFS
IFS=:
for p in $PATH; do echo "$p"; done
IFS=$OLDIFS
printf "%s" "${IFS}" | od -c
