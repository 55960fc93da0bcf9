# expect: shell.curl_pipe_shell critical
# note: Dockerfiles: curl|sh is still critical; /etc writes and sudo are not reported
# path: Dockerfile
FROM debian:12
RUN echo "deb http://deb.debian.org/debian bookworm main" > /etc/apt/sources.list
RUN apt-get update && apt-get install -y sudo curl
RUN curl -sSL https://get.example.io | sh
