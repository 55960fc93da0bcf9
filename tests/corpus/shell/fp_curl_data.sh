# expect: none
# note: downloads piped into data tools, or to files, are not remote code execution
# path: fetch.sh
curl -s https://api.example.com/v1 | python3 -m json.tool
curl -s https://api.example.com/v1 | jq .
curl -fsSLo install.sh https://get.example.com
VERSION=$(curl -s https://api.example.com/latest | jq -r .tag)
curl -s https://example.com/key.b64 | base64 -d > key.gpg
curl -s https://example.com/data.csv | python3 scripts/load.py
