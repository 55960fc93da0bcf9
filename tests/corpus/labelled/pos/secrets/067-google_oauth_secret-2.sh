# expect: secrets.google_oauth_secret high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export GOOGLE_CLIENT_SECRET=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
./bin/deploy --prod
