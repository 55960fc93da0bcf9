# expect: secrets.azure_client_secret high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export AZURE_CLIENT_SECRET=LCo7Q~iminWMAFqkVM7HMDu5YoG_giOQ5rkF-EaG
./bin/deploy --prod
