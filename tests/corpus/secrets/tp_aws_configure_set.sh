# expect: secrets.aws_secret_key critical
# path: scripts/ci_setup.sh
#!/usr/bin/env bash
set -euo pipefail
aws configure set region us-east-1
aws configure set aws_secret_access_key JrH6vQKUwbNrV5x5AYUYjP+yCLSdU0c6vlcOhpRs
aws s3 sync s3://acme-artifacts/ dist/
