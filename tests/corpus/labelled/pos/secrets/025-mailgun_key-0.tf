# expect: secrets.mailgun_key high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "key-ddd150c5e4f09b5452b7633a1a02de55"
}
