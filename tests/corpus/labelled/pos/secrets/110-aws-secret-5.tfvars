# expect: secrets.aws_secret_key critical
# path: terraform.tfvars
aws_access_key = "AKIAMVDWCDUSKUDQ6SFQ"
aws_secret_key = "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"
