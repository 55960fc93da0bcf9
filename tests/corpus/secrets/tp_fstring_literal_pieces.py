# expect: secrets.github_token high
# note: an f-string made of interpolated literal pieces
# path: app/settings.py
t = f"{'ghp_R8mXq2VvL0p'}{'N5kTz7YbW3cJd9HsF4aEuG1iO'}"
