# expect: none
# path: app/keys/pem.py
# Markers a key loader looks for, and a template the docs fill in.
PEM_MARKERS = [
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----BEGIN EC PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
]
KEY_TEMPLATE = (
    "-----BEGIN PRIVATE KEY-----\n"
    "<paste the base64 body of your key here>\n"
    "-----END PRIVATE KEY-----\n"
)
ONE_LINE_HINT = "-----BEGIN EC PRIVATE KEY----- ... -----END EC PRIVATE KEY-----"
WRITE_HEADER = 'echo "-----BEGIN OPENSSH PRIVATE KEY-----" >> "$KEY_FILE"'
