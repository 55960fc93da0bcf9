# expect: secrets.sendgrid_key high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export SENDGRID_API_KEY=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
./bin/deploy --prod
