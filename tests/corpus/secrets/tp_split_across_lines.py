# expect: secrets.github_token high
# note: implicit concatenation inside parentheses, one piece per line
# path: app/gh.py
TOKEN = ("ghp_R8mXq2VvL0pN5kTz7"
         "YbW3cJd9HsF4aEuG1iO")
