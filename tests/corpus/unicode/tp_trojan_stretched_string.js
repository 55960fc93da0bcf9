# expect: unicode.bidi_control high
# note: Trojan Source 'stretched string': the comparison is never true
# path: lib/access.js
var accessLevel = "user";
if (accessLevel != "user‮ ⁦// Check if admin⁩ ⁦") {
    console.log("You are an admin.");
}
