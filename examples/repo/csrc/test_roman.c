/* test_roman.c: `make ctest` builds and runs it. */
#include "roman.h"
#include <stdio.h>
#include <string.h>

static int failures;

static void expect(int n, const char *want)
{
    char buf[32];
    if (roman_format(n, buf, sizeof buf) != 0 || strcmp(buf, want) != 0) {
        printf("FAIL roman_format(%d): got %s, want %s\n", n, buf, want);
        failures++;
    }
}

int main(void)
{
    expect(1, "I");
    expect(4, "IV");
    expect(1994, "MCMXCIV");
    expect(3999, "MMMCMXCIX");
    char buf[4];
    if (roman_format(0, buf, sizeof buf) == 0 || roman_format(1994, buf, sizeof buf) == 0) {
        printf("FAIL: out-of-range or too-small buffer accepted\n");
        failures++;
    }
    printf("%s\n", failures ? "C tests failed" : "C tests passed");
    return failures != 0;
}
