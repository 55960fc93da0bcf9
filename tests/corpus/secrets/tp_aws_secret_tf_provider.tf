# expect: secrets.aws_secret_key critical
# path: infra/provider.tf
provider "aws" {
  region     = "eu-west-1"
  access_key = var.aws_access_key_id
  secret_key = "UzsYiiN1yhEcDNSl2u3J/JjVcPPljSIdTPziMkn8"
}
