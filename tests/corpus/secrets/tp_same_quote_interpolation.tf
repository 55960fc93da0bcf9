# expect: secrets.github_token high
# note: an empty literal interpolated with the enclosing quote (HCL allows "${""}" inside "…")
# path: infra/main.tf
variable "token" {
  default = "ghp_R7nX2qLm${""}V9sK4tPzW8yB3cD6fH1jA5eG0uNo"
}
