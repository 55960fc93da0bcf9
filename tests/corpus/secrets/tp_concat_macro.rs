# expect: secrets.github_token high
# note: Rust's concat! macro joins literals at compile time
# path: src/config.rs
pub const TOKEN: &str = concat!("ghp_R7nX2qLmV9", "sK4tPzW8yB3cD6fH1jA5eG0uNo");
