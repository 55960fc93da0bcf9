# expect: secrets.github_token high
# note: URL percent-encoding of a token's own characters (_ as %5F, g as %67) hides its prefix
# path: app/remote.py
REMOTE = "https://x:ghp%5FR7nX2qLmV9sK4tPzW8yB3cD6fH1jA5eG0uNo@github.com/org/repo.git"
TOKEN = urllib.parse.unquote("%67hp_R7nX2qLmV9sK4tPzW8yB3cD6fH1jA5eG0uNo")
