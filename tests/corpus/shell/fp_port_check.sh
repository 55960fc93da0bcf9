# expect: none
# note: port checks through /dev/tcp and nc -z are not reverse shells
# path: wait-for.sh
timeout 1 bash -c '</dev/tcp/db/5432'
nc -z localhost 5432
nc -zv db.internal 80
