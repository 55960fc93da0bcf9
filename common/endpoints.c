/*
 * endpoints.c: comma-separated endpoint lists (see endpoints.h).
 */
#include "common/endpoints.h"
#include "common/error.h"

#include <string.h>

static int s_blank(char c) { return c == ' ' || c == '\t'; }

/* Bounds of the next entry at or after *p; returns 0 at the end. */
static int s_next(const char **p, const char **start, size_t *len)
{
    const char *s = *p;
    for (;;) {
        while (*s == ',' || s_blank(*s))
            s++;
        if (!*s)
            return 0;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        const char *end = e;
        while (end > s && s_blank(end[-1]))
            end--;
        *p = e;
        *start = s;
        *len = (size_t)(end - s);
        return 1;
    }
}

unsigned al_endpoints_count(const char *list)
{
    unsigned n = 0;
    const char *p = list ? list : "", *s;
    size_t len;
    while (s_next(&p, &s, &len))
        n++;
    return n;
}

int al_endpoints_pick(const char *list, unsigned idx, char *out, size_t size)
{
    unsigned n = al_endpoints_count(list);
    if (n == 0)
        return al_err_set(AL_EINVAL, "no endpoint in \"%s\"", list ? list : "");
    idx %= n;
    const char *p = list, *s = NULL;
    size_t len = 0;
    for (unsigned i = 0; i <= idx; i++)
        s_next(&p, &s, &len);
    if (len + 1 > size)
        return al_err_set(AL_ELIMIT, "endpoint too long (%zu bytes)", len);
    memcpy(out, s, len);
    out[len] = '\0';
    return AL_OK;
}
