# expect: shell.curl_pipe_shell critical
# path: Dockerfile
FROM debian:12-slim
ADD https://get.acme-tools.dev/install.sh /install.sh
RUN ["/bin/sh", "/install.sh"]
