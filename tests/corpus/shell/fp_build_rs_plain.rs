# expect: none
# path: build.rs
fn main() {
    println!("cargo:rerun-if-changed=src/ffi.c");
    cc::Build::new().file("src/ffi.c").compile("ffi");
    let out = std::process::Command::new("git").args(["rev-parse", "HEAD"]).output().unwrap();
    println!("cargo:rustc-env=GIT_SHA={}", String::from_utf8_lossy(&out.stdout));
}
