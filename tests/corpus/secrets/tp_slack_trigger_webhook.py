# expect: secrets.slack_webhook high
# path: tools/notify.py
import json, urllib.request

TRIGGER = "https://hooks.slack.com/triggers/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"

def notify(text):
    urllib.request.urlopen(urllib.request.Request(TRIGGER, json.dumps({"text": text}).encode()))
