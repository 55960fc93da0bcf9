# expect: none
# path: scripts/fetch_tools.ps1
$ErrorActionPreference = 'Stop'
Invoke-WebRequest -Uri https://downloads.example.org/tools.zip -OutFile tools.zip
Expand-Archive tools.zip -DestinationPath tools
Get-FileHash tools.zip -Algorithm SHA256
