# expect: secrets.generic_assignment medium
# expect: secrets.allow_marker high
# path: app/mail.py
SMTP_PASSWORD = "djFKUBj45m!oVzCw2"  # nosemgrep
