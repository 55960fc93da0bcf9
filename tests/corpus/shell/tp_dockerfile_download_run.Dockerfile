# expect: shell.curl_pipe_shell critical
# path: Dockerfile
FROM debian:12
RUN curl -fsSL -o /tmp/i.sh https://get.example.net/i.sh
RUN sh /tmp/i.sh
