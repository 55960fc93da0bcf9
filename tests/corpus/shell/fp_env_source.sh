# expect: none
# note: using .env locally is not exfiltration
# path: run.sh
source .env
docker run --env-file .env app:latest
set -a; . ./.env; set +a
