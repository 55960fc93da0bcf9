# expect: secrets.aws_access_key high
# note: the key id hex-encoded, decoded at run time
# path: app/hexkey.py
KEY = bytes.fromhex("414b49415a3751574552545955494f504c4d4e42").decode()
