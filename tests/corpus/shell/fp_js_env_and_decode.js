# expect: none
# note: one variable of the environment, the environment handed to a child, bytes decoded and written, a URL from the environment
# path: scripts/serve.js
const port = process.env.PORT || 3000;
const env = { ...process.env, NODE_ENV: "test" };
spawn("node", ["server.js"], { env, stdio: "inherit" });
const img = Buffer.from(b64, "base64"); fs.writeFileSync("x.png", img);
fetch(`${process.env.API_URL}/health`).then((r) => r.json());
const key = process.env["API_KEY"] ?? "";
