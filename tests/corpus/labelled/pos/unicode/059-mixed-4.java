# expect: unicode.mixed_script medium
# path: src/Role.java
boolean аdmin = true;
