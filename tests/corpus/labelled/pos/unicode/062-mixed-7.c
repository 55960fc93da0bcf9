# expect: unicode.mixed_script medium
# path: src/net.c
static int cοnnect_allowed = 1;
