# expect: none
# path: scripts/upload_assets.sh
#!/bin/sh
# a SAS reads sv=2022-11-02&ss=b&srt=co&sp=r&se=...&sig=<signature>
SAS="$(az storage container generate-sas --name assets --permissions r --expiry 2027-01-01 -o tsv)"
AZURE_STORAGE_KEY=$(az storage account keys list -n acmeprodassets --query '[0].value' -o tsv)
export AZURE_STORAGE_KEY
# AZURE_STORAGE_KEY=<your-storage-account-key>
curl -s "https://img.example.com/thumb?w=64&sig=5f1c0e2a9b7d4c3e8f6a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
# Slack workflow triggers are https://hooks.slack.com/triggers/<team>/<id>/<secret>
