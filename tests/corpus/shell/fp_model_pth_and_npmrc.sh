# expect: none
# path: scripts/fetch_model.sh
#!/bin/sh
set -e
wget -q -O models/resnet50.pth https://models.example.org/resnet50.pth
cp checkpoints/best.pth dist/model.pth
echo "//registry.npmjs.org/:_authToken=\${NPM_TOKEN}" > "$HOME/.npmrc"
echo "done" > "logs/fetch.txt"
mkdir -p ~/.config/systemd
