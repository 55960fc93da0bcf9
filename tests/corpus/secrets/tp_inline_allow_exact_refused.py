# expect: secrets.github_token high
# expect: secrets.allow_marker high
# note: the convention never allows a format-exact credential: the token stays reported
# path: app/ci.py
TOKEN = "ghp_Z9yX8wV7uT6sR5qP4oN3mL2kJ1iH0gF9eD8c"  # airlock:allow secrets.github_token
