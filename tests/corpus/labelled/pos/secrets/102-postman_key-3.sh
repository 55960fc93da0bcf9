# expect: secrets.postman_key high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export POSTMAN_API_KEY=PMAK-07566dc3a60fe49d5e04cd86-5c255abdef3a71d6223ec461462af79bdd
./bin/deploy --prod
