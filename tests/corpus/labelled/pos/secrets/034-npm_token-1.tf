# expect: secrets.npm_token high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "npm_SCTEOV5YlsbWG5cN1Bl8xJVm5WMDOiBo50OO"
}
