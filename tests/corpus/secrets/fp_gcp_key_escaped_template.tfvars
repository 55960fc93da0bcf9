# expect: none
# path: infra/example.auto.tfvars
credentials = "{  \"type\": \"service_account\",  \"project_id\": \"acme-dev\",  \"private_key_id\": \"${var.key_id}\",  \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n\" }"
