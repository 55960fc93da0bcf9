# expect: secrets.github_token high
# path: app/settings.py
t = 'ghp_-R8mX-q2Vv-L0pN-5kTz-7YbW-3cJd-9HsF-4aEu-G1iO'.replace('-', '')
