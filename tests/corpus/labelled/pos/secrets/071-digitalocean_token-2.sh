# expect: secrets.digitalocean_token high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export DIGITALOCEAN_TOKEN=dop_v1_15369437dfe62b9b193abe935f19a5a40b0faecde575779d878db0f13048762c
./bin/deploy --prod
