# expect: secrets.twilio_key high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "SKd709e3b6089831581d6aef6168c1e8cc"
}
