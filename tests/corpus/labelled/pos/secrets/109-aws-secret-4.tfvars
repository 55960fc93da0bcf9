# expect: secrets.aws_secret_key critical
# path: terraform.tfvars
aws_access_key = "AKIA33QJUTXMTQ3Y32P6"
aws_secret_key = "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"
