/*
 * pg_array.c: PostgreSQL array literals built element by element
 * (common/pg_array.h). Owns the builder's buffer until al_pg_array_free.
 */
#include "common/pg_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_put(al_pg_array_t *a, const char *s, size_t n)
{
    if (a->oom)
        return;
    if (a->len + n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap : 256;
        while (a->len + n + 2 > cap)
            cap *= 2;
        char *b = realloc(a->buf, cap);
        if (!b) {
            a->oom = 1;
            return;
        }
        a->buf = b;
        a->cap = cap;
    }
    memcpy(a->buf + a->len, s, n);
    a->len += n;
    a->buf[a->len] = '\0';
}

void al_pg_array_add(al_pg_array_t *a, const char *value)
{
    s_put(a, a->len ? "," : "{", 1);
    if (!value) {
        s_put(a, "NULL", 4);
        return;
    }
    s_put(a, "\"", 1);
    for (const char *p = value; *p; ) {
        size_t run = strcspn(p, "\"\\");
        s_put(a, p, run);
        p += run;
        if (*p) {
            char esc[2] = { '\\', *p++ };
            s_put(a, esc, 2);
        }
    }
    s_put(a, "\"", 1);
}

void al_pg_array_add_i64(al_pg_array_t *a, long long value)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", value);
    al_pg_array_add(a, num);
}

const char *al_pg_array_end(al_pg_array_t *a)
{
    s_put(a, a->len ? "}" : "{}", a->len ? 1 : 2);
    return a->oom ? NULL : a->buf;
}

void al_pg_array_free(al_pg_array_t *a)
{
    free(a->buf);
    memset(a, 0, sizeof *a);
}
