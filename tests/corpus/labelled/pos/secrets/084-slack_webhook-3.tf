# expect: secrets.slack_webhook high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "https://hooks.slack.com/services/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"
}
