# expect: none
# note: real library code that once gave false positives (cryptography, oauthlib, urllib3, pygments)
# path: lib/crypto_compat.py
def sign(backend: "Backend", private_key: "_EllipticCurvePrivateKey", data: bytes) -> bytes:
    pass
_SK_START = b"-----BEGIN OPENSSH PRIVATE KEY-----"
BODY = 'oauth_token=lsdkfol23w54jlksdef&oauth_token_secret=qwe089234lkjsdf&oauth_callback_confirmed=true&my_specific=argument'
EXAMPLE = 'http://username:password@host.com:80/path?query#fragment'
key_type = ed25519.Ed25519PrivateKey
auth_handler = HTTPDigestAuthHandler2
NAMES = ["nosecure", "nosecret"]
# support key files like "-----BEGIN PRIVATE KEY-----...",
_KEY_REGEX = re.compile(b"-----BEGIN [A-Z ]*PRIVATE KEY-----.+-----END [A-Z ]*PRIVATE KEY-----")
SAMPLE = {"private_key": "-----BEGIN EC PRIVATE KEY-----\n<key bytes>\n-----END EC PRIVATE KEY-----\n"}
token_type = 'bare-quoted-string'
# Tokens are cached using :class:`cachetools.LRUCache`.
