# expect: unicode.mixed_script medium
# note: a Greek omicron in a Latin name
# path: src/net.c
static int cοnnect_allowed = 1;
