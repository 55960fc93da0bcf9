# expect: secrets.linear_key high
# path: scripts/deploy.sh
#!/bin/sh
set -e
export LINEAR_API_KEY=lin_api_fWqt57XP3Pw1IRhksqiCrHKhU3taNfw6YlisSpBf
./bin/deploy --prod
