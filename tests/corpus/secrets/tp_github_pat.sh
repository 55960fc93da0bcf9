# expect: secrets.github_token high
# expect: secrets.github_token high
# path: scripts/push.sh
#!/bin/sh
git push https://x:github_pat_11ABCDEFG0aBcDeFgHiJkL_mNoPqRsTuVwXyZ0123456789abcdefghijklmnopqrstuvwxyzABCD@github.com/o/r
curl -H "Authorization: bearer gho_16C7e42F292c6912E7710c838347Ae178B4a" https://api.github.com/user
