# expect: none
# path: tests/test_context_config.py
# note: PEM blocks whose body is not key material: placeholders, text, a truncated key
KEY_SECTION = """-----BEGIN PRIVATE KEY-----
<key bytes>
-----END PRIVATE KEY-----"""
ENCRYPTED_KEY_SECTION = """-----BEGIN ENCRYPTED PRIVATE KEY-----
...
-----END ENCRYPTED PRIVATE KEY-----"""
BAD_KEY = """-----BEGIN RSA PRIVATE KEY-----
LKJWE:RUWEORIU)(#*&$@(#$KJHLKDJHF
-----END RSA PRIVATE KEY-----"""
OMITTED = """
-----BEGIN RSA PRIVATE KEY-----
key omitted for security reasons
-----END RSA PRIVATE KEY-----
"""
TRUNCATED = """-----BEGIN PRIVATE KEY-----
MIIE...
-----END PRIVATE KEY-----"""
CERT_ONLY = """-----BEGIN EC PRIVATE KEY-----
Bad Key, though the cert should be OK
-----END EC PRIVATE KEY-----"""
