# expect: unicode.bidi_control high
# path: src/Check.java
boolean ok(String level) {
    return !level.equals("user‮ ⁦// admin⁩ ⁦");
}
