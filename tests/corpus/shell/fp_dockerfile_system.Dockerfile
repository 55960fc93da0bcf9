# expect: none
# note: image builds write /etc and may install sudo; not reported in Dockerfiles
# path: docker/Dockerfile.dev
FROM debian:12
RUN echo "Europe/Berlin" > /etc/timezone && cp /usr/share/zoneinfo/Europe/Berlin /etc/localtime
RUN apt-get update && apt-get install -y sudo && echo "dev ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/dev
COPY app /usr/local/bin/app
