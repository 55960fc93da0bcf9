# expect: none
# path: scripts/check_service.sh
#!/bin/sh
python3 -c "import urllib.request, json; print(json.load(urllib.request.urlopen('https://api.example.org/v'))['version'])"
node -e "fetch('https://api.example.org/health').then(r => r.json()).then(console.log)"
python3 -c 'import socket; print(socket.gethostname())'
perl -MIO::Socket::INET -e 'print IO::Socket::INET->new("db:5432") ? "up\n" : "down\n"'
gawk 'BEGIN { print "ok" }' /dev/null
