# expect: shell.rm_catastrophic critical
# path: scripts/clean.sh
#!/bin/sh
OUT=$(find_output_dir)
rm -rf "$OUT"/*
