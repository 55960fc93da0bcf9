# expect: secrets.databricks_token high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "dapi93bcb2f26c71470c16aaee61a274104c"
}
