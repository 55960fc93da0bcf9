/* roman.c: see roman.h. */
#include "roman.h"
#include <string.h>

static const struct { int value; const char *letters; } k[] = {
    { 1000, "M" }, { 900, "CM" }, { 500, "D" }, { 400, "CD" }, { 100, "C" }, { 90, "XC" },
    { 50, "L" }, { 40, "XL" }, { 10, "X" }, { 9, "IX" }, { 5, "V" }, { 4, "IV" }, { 1, "I" },
};

int roman_format(int n, char *out, size_t size)
{
    size_t len = 0;
    if (n < 1 || n > 3999 || size == 0)
        return -1;
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        while (n >= k[i].value) {
            size_t l = strlen(k[i].letters);
            if (len + l + 1 > size)
                return -1;
            memcpy(out + len, k[i].letters, l);
            len += l;
            n -= k[i].value;
        }
    }
    out[len] = '\0';
    return 0;
}
