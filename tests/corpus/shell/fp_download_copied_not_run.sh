# expect: none
# note: downloads copied, renamed and kept, never run; another file run
# path: scripts/mirror.sh
#!/bin/sh
set -eu
curl -fsSL -o data.tar.gz https://downloads.example.net/data.tar.gz
cp data.tar.gz backup/
mv data.tar.gz current.tar.gz
tar xzf current.tar.gz
curl -s https://api.example.net/v1/report | tee report.json >/dev/null
cp report.json reports/latest.json
sh scripts/render.sh reports/latest.json
