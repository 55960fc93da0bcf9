# expect: secrets.aws_access_key high
# expect: secrets.github_token high
# expect: secrets.slack_token high
# expect: secrets.stripe_key high
# note: tokens split into literals joined by `+` or by adjacency, as done to
# note: slip past scanners that look for the whole token
# path: app/settings.py
AWS_KEY = "AKIAZ7QWE" + "RTYUIOPLMNB"
GH = ("ghp_R8mXq2VvL0pN5kTz7" "YbW3cJd9HsF4aEuG1iO")
slack = 'xoxb-2817364512-' + "3948576123-" + 'Q2vL0pN5kTz7YbW3cJd9HsF4'
STRIPE = "sk_live_" + r"4eC39HqLyjWDarjtT1zdp7dc"
