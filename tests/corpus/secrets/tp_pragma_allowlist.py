# expect: secrets.generic_assignment medium
# expect: secrets.allow_marker high
# path: src/db.py
DB_PASSWORD = "s3cr3T-Pa55w0rd!9"  # pragma: allowlist secret
