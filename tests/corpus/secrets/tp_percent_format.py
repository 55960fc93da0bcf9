# expect: secrets.github_token high
# path: app/settings.py
t = 'ghp_R8mXq2%s' % ('VvL0pN5kTz7YbW3cJd9HsF4aEuG1iO',)
