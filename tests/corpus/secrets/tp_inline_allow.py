# expect: secrets.aws_access_key high
# expect: secrets.allow_marker high
# path: src/upload.py
KEY_ID = "AKIA4HJ2K7QWERTYUIOP"  # gitleaks:allow
