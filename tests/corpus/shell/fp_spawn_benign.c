# expect: none
# path: tools/t.c
#include <stdlib.h>
#include <regex.h>
int f(regex_t *re, const char *s) { system("make -C docs clean"); return regexec(re, "rm -rf /", 0, NULL, 0); }
