# expect: none
#!/bin/sh
git fetch origin main && git merge --ff-only FETCH_HEAD
ln -s links docs/links
fetch_json() {
    curl -fsS "$1"
}
fetch_json https://api.example.net/v1 | python3 -m json.tool
fetch_json https://api.example.net/v1 | jq .
curl -s https://api.example.net/status
PYTHON=python3
curl -s https://api.example.net/v1 | $PYTHON -m json.tool
curl -s https://api.example.net/list | while read -r line; do
    echo "got $line"
done
curl -sL https://example.net/a.tgz | (cd /tmp/x && tar xz)
{ curl -s https://example.net/a; echo; } > out.txt
{ curl -s https://example.net/a; curl -s https://example.net/b; } | jq -s .
for u in one two; do
    curl -s "https://example.net/$u" | grep -c ok
done | sort
echo "see https://example.net/docs" | sed 's/x/y/'
http_proxy=http://proxy:3128 apt-get update
SH=dash ./configure
xh_version=3
curl -s https://api.example.net/v1 | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])'
curl -s https://api.example.net/v1 | node -e 'let d = ""; process.stdin.on("data", c => d += c)'
curl -s https://api.example.net/v1 | sh -c 'cat > /tmp/api.json'
curl -s https://api.example.net/list | awk '{ print $1 }'
wget -qO- https://example.net/a.txt | dd of=/tmp/a.txt status=none
cat /tmp/a.txt
curl -s https://example.net/b.txt > /dev/null; echo done
curl -s https://api.example.net/list | while read -r name; do
    . ./scripts/helpers.sh
    process "$name"
done
