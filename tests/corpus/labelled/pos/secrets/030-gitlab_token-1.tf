# expect: secrets.gitlab_token high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "glpat-CVK9PwIXS3v0i8oboz2G"
}
