# expect: secrets.aws_access_key high
# path: app/settings.py
KEY = ''.join(map(chr, [65, 75, 73, 65, 81, 51, 69, 71, 82, 84, 53, 89, 80, 76, 75, 77, 78, 66, 55, 90]))
