# expect: secrets.github_token high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export GH_PAT=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
./bin/deploy --prod
