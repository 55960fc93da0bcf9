# expect: secrets.github_token high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "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"
}
