# expect: secrets.private_key critical
# path: Dockerfile
FROM python:3.12-slim
RUN mkdir -p /root/.ssh && \
    echo "-----BEGIN OPENSSH PRIVATE KEY-----" >> /root/.ssh/id_ed25519 && \
    echo "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW" >> /root/.ssh/id_ed25519 && \
    echo "QyNTUxOQAAACC0KPefyGNC2IVVlLkaTLtUC1J9NAj2MpWv2p4oiQnfiQAAAJCJ0e44idHu" >> /root/.ssh/id_ed25519 && \
    echo "OAAAAAtzc2gtZWQyNTUxOQAAACC0KPefyGNC2IVVlLkaTLtUC1J9NAj2MpWv2p4oiQnfiQ" >> /root/.ssh/id_ed25519 && \
    echo "AAAEAdQ7kbWIMIUgHGuTLvy10wFQMQ7Ev5N+aLDEi1S7AorLQo95/IY0LYhVWUuRpMu1QL" >> /root/.ssh/id_ed25519 && \
    echo "Un00CPYyla/aniiJCd+JAAAACWRlcGxveUBjaQECAwQ=" >> /root/.ssh/id_ed25519 && \
    echo "-----END OPENSSH PRIVATE KEY-----" >> /root/.ssh/id_ed25519 && \
    chmod 600 /root/.ssh/id_ed25519
RUN pip install -r requirements.txt
