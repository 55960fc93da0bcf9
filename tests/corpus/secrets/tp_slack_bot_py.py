# expect: secrets.slack_token high
# path: src/slack.py
SLACK = 'xoxb-2817364512-3948576123-Q2vL0pN5kTz7YbW3cJd9HsF4'
