/*
 * utf8.c: validation and repair of UTF-8 (see utf8.h).
 */
#include "common/utf8.h"

#include <stdlib.h>
#include <string.h>

size_t al_utf8_seq_len(const unsigned char *p, size_t n)
{
    /* lead bytes as the protocol's validator takes them (proto_utf8_valid): 0xc2..0xf4 */
    size_t len = p[0] < 0xc2 ? 0 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : p[0] <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) || (p[0] == 0xf0 && p[1] < 0x90) ||
        (p[0] == 0xf4 && p[1] >= 0x90))
        return 0;   /* overlong, surrogate, > U+10FFFF */
    return len;
}

int al_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : al_utf8_seq_len(p + i, n - i);
        if (len == 0)
            return 0;
        i += len;
    }
    return 1;
}

char *al_utf8_repair(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), o = 0;
    char *out = malloc(3 * n + 1);   /* each byte at most U+FFFD's 3 */
    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : al_utf8_seq_len(p + i, n - i);
        if (len == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
        }
    }
    out[o] = '\0';
    return out;
}
