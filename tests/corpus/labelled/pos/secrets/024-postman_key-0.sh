# expect: secrets.postman_key high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export POSTMAN_API_KEY=PMAK-dc6b09b1bf8930c8991c96ca-aa86545dae1632cd5b737436dcdcb7c57c
./bin/deploy --prod
