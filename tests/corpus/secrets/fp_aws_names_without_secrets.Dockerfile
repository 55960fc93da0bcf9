# expect: none
# path: docker/uploader/Dockerfile
FROM amazon/aws-cli:2.15.0
ENV PATH /usr/local/bin:/usr/bin:/bin
ENV AWS_DEFAULT_REGION us-east-1
ARG AWS_SECRET_ACCESS_KEY
ENV AWS_SECRET_ACCESS_KEY ${AWS_SECRET_ACCESS_KEY}
RUN aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY" && \
    aws configure set aws_secret_access_key_id_is_not_a_setting ThisIsNotARealSecretKeyJustAnExample0000
ENTRYPOINT ["aws", "s3", "sync"]
