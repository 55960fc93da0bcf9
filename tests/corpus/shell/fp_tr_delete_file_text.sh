# expect: none
# path: scripts/version-gen.sh
#!/bin/sh
eval $(grep '^VERSION[[:space:]]*=' ../../Makefile | tr -d ' ')
tr -d '[:blank:]' < "$TMPFILE" > "$TMPFILE.1"
. "$TMPFILE.1"
