# expect: secrets.huggingface_token high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "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"
}
