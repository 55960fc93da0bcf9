# expect: secrets.github_token high
# path: app/settings.py
T = base64.b64decode('T2kxR3VFYTRGc0g5ZEpjM1diWTd6VGs1TnAwTHZWMnFYbThSX3BoZw==').decode()[::-1]
