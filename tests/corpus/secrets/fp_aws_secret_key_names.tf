# expect: none
# path: infra/provider.tf
provider "aws" {
  region     = "eu-west-1"
  access_key = var.aws_access_key_id
  secret_key = var.aws_secret_access_key
}

locals {
  # documentation stand-in, 40 characters like a real one
  example_secret_key = "ThisIsNotARealSecretKeyJustAnExample0000"
  secret_key_arn     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/app-AbCdEf"
}
