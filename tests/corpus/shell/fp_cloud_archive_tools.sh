# expect: none
# path: scripts/release.sh
#!/bin/sh
set -e
aws s3 sync dist s3://acme-releases/$VERSION/
aws s3 cp s3://acme-releases/latest/manifest.json manifest.json
tar -xzf vendor/tools.tgz -C vendor
tar -xOf dist/app.tar config.json | jq .version
unzip -q dist/app.zip -d out
gpg --verify dist/app.tgz.sig dist/app.tgz
dig +short example.com
gh release create "$VERSION" dist/*
gsutil cp dist/app.tgz gs://acme-releases/
