# expect: none
# note: files a script downloads or decodes and then only reads, unpacks or passes as data are not
# note: "downloaded code run": only running the very file (sh F, python3 F, . F, ./F) is
# path: scripts/fetch-data.sh
#!/bin/sh
set -eu
curl -fsSL -o data.json https://api.example.net/v1/data
python3 scripts/process.py data.json
wget https://downloads.example.net/release-1.2.tar.gz
tar xzf release-1.2.tar.gz && cd release-1.2 && sh ./configure --prefix=/opt/app
echo 'aGVsbG8gd29ybGQsIHRoaXMgaXMgbm90IGNvZGU=' | base64 -d > notes.txt
cat notes.txt
curl -o install.log https://ci.example.net/logs/1 && sh scripts/install.sh
