/*
 * queue_util.c: reading PGresult fields into C values.
 */
#include "orchestrator/store/queue_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void queue_copy(char *dst, size_t size, const PGresult *res, int row, int col)
{
    const char *v = PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
    snprintf(dst, size, "%s", v);
}

char *queue_dup(const PGresult *res, int row, int col)
{
    return strdup(PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

int queue_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : atoi(PQgetvalue(res, row, col));
}

uint64_t queue_u64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoull(PQgetvalue(res, row, col), NULL, 10);
}

int queue_bool(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

static void s_put(queue_array_t *a, const char *s, size_t n)
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

void queue_array_add(queue_array_t *a, const char *value)
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

void queue_array_add_i64(queue_array_t *a, long long value)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", value);
    queue_array_add(a, num);
}

const char *queue_array_end(queue_array_t *a)
{
    s_put(a, a->len ? "}" : "{}", a->len ? 1 : 2);
    return a->oom ? NULL : a->buf;
}

void queue_array_free(queue_array_t *a)
{
    free(a->buf);
    memset(a, 0, sizeof *a);
}
