# expect: none
# path: scripts/fetch_data.sh
#!/bin/sh
set -e
curl -fsSL https://data.example.org/urls.txt | parallel -j4 wget -q
curl -fsSL https://data.example.org/list.txt | flock /tmp/list.lock tee list.txt
time curl -fsSL -o data.tgz https://data.example.org/data.tgz
echo "make nightly" | at -f jobs/nightly.at now
python3.11 -m pip install --user .
\ls -la
