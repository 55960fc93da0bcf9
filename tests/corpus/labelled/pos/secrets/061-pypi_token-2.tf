# expect: secrets.pypi_token high
# path: infra/main.tf
provider "x" {
  region = "eu-west-1"
  token  = "pypi-AgEIcHlwaS5vcmcQG3g84ofCV3Isw6TgCUHBgGMv0yjSfEUFcdKMc0nc-JLorb-QF6eAj02GGz-gR1J5rRn-F2-LqVUiZmtmxbeHdvxDTd-lwSfBSl3BXcB7-W95Hxjxl"
}
