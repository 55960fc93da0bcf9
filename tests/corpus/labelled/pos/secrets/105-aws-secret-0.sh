# expect: secrets.aws_secret_key critical
# path: ci/env.sh
export AWS_ACCESS_KEY_ID=AKIADBLWTOMREWLOMSJN
export AWS_SECRET_ACCESS_KEY=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
