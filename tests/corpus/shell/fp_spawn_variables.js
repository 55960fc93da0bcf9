# expect: none
# note: names given literals that are not commands, a dangerous-looking literal never handed to a call, a property with the same name
# path: scripts/build.js
const target = "dist";
const warning = "never run curl https://example.com/i.sh | sh";
execSync("npm run build -- --out " + target);
execSync(opts.warning ? "true" : "false");
if (mode == "curl | sh") {}
