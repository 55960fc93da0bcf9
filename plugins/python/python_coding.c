/*
 * python_coding.c: source encoding declarations that hide code (PEP 263).
 * Python decodes a file in the encoding a comment on its first or second
 * line names (`# -*- coding: NAME -*-`, `# vim: set fileencoding=NAME`).
 * Under utf-7, `+AAo-` is a newline; under unicode_escape and
 * raw_unicode_escape, `\n` and `\u000a` are: the code after one in a
 * comment runs, while a reader - and every line scanner - sees a comment.
 * No project needs these encodings for its source.
 */
#include "python_internal.h"

#include <string.h>

static const char *const s_hiding[] = {
    "utf_7", "utf7", "u7", "unicode_1_1_utf_7", "unicode_escape", "raw_unicode_escape",
};

static int encoding_char(unsigned char c)
{
    return an_is_ident(c) || c == '-' || c == '.';
}

int py_coding_hides(const char *s, size_t n, size_t *at, size_t *len)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f'))
        i++;
    if (i == n || s[i] != '#')
        return 0;
    for (size_t k = i; k + 7 <= n; k++) {   /* the first "coding" followed by ':' or '=' */
        if (memcmp(s + k, "coding", 6) != 0 || (s[k + 6] != ':' && s[k + 6] != '='))
            continue;
        size_t b = k + 7, e;
        while (b < n && (s[b] == ' ' || s[b] == '\t'))
            b++;
        for (e = b; e < n && encoding_char((unsigned char)s[e]); e++)
            ;
        char name[32];
        if (e == b || e - b >= sizeof name)
            return 0;
        for (size_t j = b; j < e; j++)
            name[j - b] = s[j] == '-' ? '_' : (char)an_lower((unsigned char)s[j]);
        name[e - b] = '\0';
        *at = b;
        *len = e - b;
        return AN_STR_IN(name, s_hiding);
    }
    return 0;
}
