# expect: unicode.bidi_control high
# path: third_party/lib/access.js
if (accessLevel != "user‮ ⁦// Check if owner⁩ ⁦") {
    grant();
}
