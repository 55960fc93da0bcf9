# expect: secrets.anthropic_key high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "sk-ant-api03-BF5E5mNtNrujZQSEXruPGZIlIBvGFYZbZAD_9YHI1ee_QEJif0sMVJhxEUmlxU34VInmcx6vGDGtVIWlsBRldMbkdheyfAA"
}
