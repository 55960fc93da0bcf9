# expect: secrets.github_token high
# path: app/settings.py
t = '{}{}'.format('ghp_R8mXq2VvL0p', 'N5kTz7YbW3cJd9HsF4aEuG1iO')
