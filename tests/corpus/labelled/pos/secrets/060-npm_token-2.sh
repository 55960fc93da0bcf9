# expect: secrets.npm_token high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export NPM_TOKEN=npm_SdxHt7kLkpw1ibSAzdaFUI9wnj7broe1E2jK
./bin/deploy --prod
