# expect: secrets.aws_access_key high
# path: app/settings.py
KEY = codecs.decode('NXVND3RTEG5LCYXZAO7M', 'rot13')
