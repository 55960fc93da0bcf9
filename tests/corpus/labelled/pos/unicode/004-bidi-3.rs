# expect: unicode.bidi_control high
# path: src/main.rs
fn main() {
    let access_level = "user";
    if access_level != "user‮ ⁦// Check if admin⁩ ⁦" {
        grant();
    }
}
