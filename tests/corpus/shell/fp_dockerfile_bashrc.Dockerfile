# expect: none
# path: test/Dockerfile
FROM debian:12
RUN echo 'source /etc/profile' >> ~/.bashrc
