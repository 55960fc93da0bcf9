# expect: shell.curl_pipe_shell critical
# note: copied with options, then run by path as a command
# path: scripts/agent.sh
#!/bin/sh
wget -q https://dl.example.net/agent-latest.run
install -m 0755 agent-latest.run /usr/local/bin/agent
/usr/local/bin/agent --daemon
