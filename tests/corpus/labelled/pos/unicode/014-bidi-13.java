# expect: unicode.bidi_control high
# path: third_party/src/Check.java
boolean ok(String level) {
    return !level.equals("user‮ ⁦// staff⁩ ⁦");
}
