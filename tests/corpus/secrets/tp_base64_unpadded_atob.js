# expect: secrets.github_token high
# note: atob, Node's Buffer.from(…, 'base64') and Go's RawStdEncoding take base64 without its padding
# path: web/auth.js
const token = atob('Z2hwX1I3blgycUxtVjlzSzR0UHpXOHlCM2NENmZIMWpBNWVHMHVObw');
