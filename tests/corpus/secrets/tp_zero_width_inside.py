# expect: secrets.github_token high
# note: a zero-width space inside the token, stripped by the program before use
# path: app/settings.py
GH = "ghp_R7nX2q​LmV9sK4tPzW8yB3cD6fH1jA5eG0uNo".replace("\u200b", "")
