# expect: secrets.github_token high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export GH_PAT=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
./bin/deploy --prod
