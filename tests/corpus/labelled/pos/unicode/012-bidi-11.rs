# expect: unicode.bidi_control high
# path: vendor/src/main.rs
fn main() {
    let access_level = "user";
    if access_level != "user‮ ⁦// Check if owner⁩ ⁦" {
        grant();
    }
}
