# expect: secrets.aws_secret_key critical
# path: docker/uploader/Dockerfile
FROM amazon/aws-cli:2.15.0
ENV AWS_DEFAULT_REGION us-east-1
ENV AWS_SECRET_ACCESS_KEY IXH6qEzVFSU7zT6kSy/OdEpbNf2MnLib3AGxpwu5
ENTRYPOINT ["aws", "s3", "sync"]
