# expect: secrets.aws_access_key high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "AKIALHQNNAZVVA2JKJ32"
}
