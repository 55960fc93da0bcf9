# expect: secrets.slack_webhook high
# path: tools/alert.py
WEBHOOK = "https://hooks.slack.com/services/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"
