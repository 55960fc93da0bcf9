# expect: secrets.github_token high
# path: app/settings.py
T = base64.b32decode('M5UHAX2SHBWVQ4JSKZ3EYMDQJY2WWVD2G5MWEVZTMNFGIOKIONDDIYKFOVDTC2KP').decode()
