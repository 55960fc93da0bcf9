# expect: secrets.aws_secret_key critical
# path: ci/env.sh
export AWS_ACCESS_KEY_ID=AKIA65JUMFBP3SPO5F7D
export AWS_SECRET_ACCESS_KEY=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
