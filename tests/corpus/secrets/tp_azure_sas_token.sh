# expect: secrets.azure_sas_key high
# path: scripts/upload_assets.sh
#!/bin/sh
SAS="sv=2022-11-02&ss=b&srt=co&sp=rwdlac&se=2027-06-30T00:00:00Z&st=2026-12-01T00:00:00Z&spr=https&sig=ONsgHbydHCLlQIeYKJG5wVVbLwFQ7KYp8wxAaJ32wMA%3D"
az storage blob upload-batch -d assets -s dist --account-name acmeprodassets --sas-token "$SAS"
