# expect: none
# path: Dockerfile
FROM debian:12-slim
COPY install.sh /install.sh
RUN ["/bin/sh", "/install.sh"]
CMD ["make", "test"]
