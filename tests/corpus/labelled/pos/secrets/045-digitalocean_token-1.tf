# expect: secrets.digitalocean_token high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "dop_v1_d7be027697ea8eb13e420d0bd05a6457a4d13928357b24dcbb339db4948d12d3"
}
