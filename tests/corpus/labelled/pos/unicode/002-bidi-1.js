# expect: unicode.bidi_control high
# path: lib/access.js
if (accessLevel != "user‮ ⁦// Check if admin⁩ ⁦") {
    grant();
}
