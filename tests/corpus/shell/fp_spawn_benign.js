# expect: none
# note: ordinary spawning calls, and a regex exec; a doc string naming curl | sh on a line that spawns nothing
# path: scripts/release.js
const { execSync, spawn } = require("child_process");
const sha = execSync("git rev-parse HEAD").toString().trim();
spawn("npm", ["test", "--", "--ci"], { stdio: "inherit" });
const m = /v(\d+)/.exec(process.env.TAG || "v0");
const HELP = "Do not run: curl https://example.com/install.sh | sh";
