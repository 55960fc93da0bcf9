# expect: secrets.aws_secret_key critical
# path: terraform.tfvars
aws_access_key = "AKIA2DNGYI226HIV7C2U"
aws_secret_key = "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"
