# expect: none
# note: asking whether a credential file exists reads nothing: [ ], [[ ]], test, also after if/&&/!
# path: scripts/setup.sh
if [ -f ~/.ssh/id_rsa ]; then echo "key present"; fi
[[ -d $HOME/.aws ]] && echo "aws configured"
test -e ~/.netrc || echo "no netrc"
if ! [ -s "$HOME/.git-credentials" ]; then echo none; fi
