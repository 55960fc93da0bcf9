# expect: secrets.slack_webhook high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export SLACK_WEBHOOK_URL=https://hooks.slack.com/services/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
./bin/deploy --prod
