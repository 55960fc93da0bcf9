# expect: secrets.github_token high
# path: app/settings.py
T = base64.b64decode('Z2hwX1I4bVhxMlZ2TDBwTjVrVHo3WWJXM2NKZDlIc0Y0YUV1RzFpTw==')
