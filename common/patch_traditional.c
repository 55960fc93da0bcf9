/*
 * patch_traditional.c: git headers for unified diffs without them
 * (patch_traditional.h).
 */
#include "common/patch_traditional.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/patch_lines.h"

typedef struct {
    char *b;
    size_t n, cap;
    int oom;
} out_t;

typedef struct {
    char *name;     /* malloc'd, as written (after unquoting) */
    int epoch;      /* its timestamp is 1970-01-01 00:00:00 UTC */
} side_t;

static void put(out_t *o, const void *s, size_t n)
{
    if (o->oom)
        return;
    if (o->n + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->n + n + 1)
            cap *= 2;
        char *b = realloc(o->b, cap);
        if (!b) {
            o->oom = 1;
            return;
        }
        o->b = b;
        o->cap = cap;
    }
    memcpy(o->b + o->n, s, n);
    o->n += n;
}

static void put_str(out_t *o, const char *s)
{
    put(o, s, strlen(s));
}

/* The line after the one at p (length n); end when there is none. */
static const char *next_line(const char *p, size_t n, const char *end)
{
    return p + n < end ? p + n + 1 : end;
}

/* Reads an unsigned decimal at *s (below end) into *v; 0 when there is none. */
static int read_num(const char **s, const char *end, long *v)
{
    const char *p = *s;
    long x = 0;
    if (p >= end || *p < '0' || *p > '9')
        return 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (x > 100000000L)
            return 0;
        x = x * 10 + (*p - '0');
    }
    *s = p;
    *v = x;
    return 1;
}

/* `@@ -a[,b] +c[,d] @@`: the old and new line counts (1 when omitted). */
static int parse_hunk_header(const char *s, size_t n, long *old_start, long *old_count, long *new_start,
                             long *new_count)
{
    const char *p = s + 4, *end = s + n;
    if (!patch_line_starts(s, n, "@@ -") || !read_num(&p, end, old_start))
        return 0;
    *old_count = 1;
    if (p < end && *p == ',' && (++p, !read_num(&p, end, old_count)))
        return 0;
    if (end - p < 2 || p[0] != ' ' || p[1] != '+')
        return 0;
    p += 2;
    if (!read_num(&p, end, new_start))
        return 0;
    *new_count = 1;
    if (p < end && *p == ',' && (++p, !read_num(&p, end, new_count)))
        return 0;
    return end - p >= 3 && memcmp(p, " @@", 3) == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* `YYYY-MM-DD HH:MM:SS[.frac] +hhmm` at the epoch: what diff -N writes for a
 * file that is absent on that side (in the writer's time zone). */
static int is_epoch(const char *s, const char *end)
{
    long y, mo, d, h, mi, sec, zone;
    const char *p = s;
    int frac_zero = 1;
    if (!read_num(&p, end, &y) || p >= end || *p++ != '-' || !read_num(&p, end, &mo) || p >= end ||
        *p++ != '-' || !read_num(&p, end, &d) || p >= end || *p++ != ' ' || !read_num(&p, end, &h) ||
        p >= end || *p++ != ':' || !read_num(&p, end, &mi) || p >= end || *p++ != ':' || !read_num(&p, end, &sec))
        return 0;
    if (p < end && *p == '.')
        for (p++; p < end && *p >= '0' && *p <= '9'; p++)
            frac_zero &= *p == '0';
    if (end - p < 6 || p[0] != ' ' || (p[1] != '+' && p[1] != '-'))
        return 0;
    const char *z = p + 2;
    if (!read_num(&z, end, &zone) || z - (p + 2) != 4)
        return 0;
    long offset = (zone / 100) * 3600 + (zone % 100) * 60;
    long t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - (p[1] == '+' ? offset : -offset);
    return frac_zero && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && t == 0;
}

/* A C-quoted name at s ("..." with \\ \" \t \n \ooo): unquoted into a
 * malloc'd string, *after set past the closing quote; NULL when malformed. */
static char *unquote(const char *s, const char *end, const char **after)
{
    char *r = malloc((size_t)(end - s) + 1);
    size_t k = 0;
    if (!r)
        return NULL;
    for (const char *p = s + 1; p < end; p++) {
        if (*p == '"') {
            r[k] = '\0';
            *after = p + 1;
            return r;
        }
        if (*p != '\\') {
            r[k++] = *p;
            continue;
        }
        if (++p >= end)
            break;
        switch (*p) {
        case 'a': r[k++] = '\a'; break;
        case 'b': r[k++] = '\b'; break;
        case 't': r[k++] = '\t'; break;
        case 'n': r[k++] = '\n'; break;
        case 'v': r[k++] = '\v'; break;
        case 'f': r[k++] = '\f'; break;
        case 'r': r[k++] = '\r'; break;
        case '"': case '\\': r[k++] = *p; break;
        default:
            if (end - p >= 3 && p[0] >= '0' && p[0] <= '3' && p[1] >= '0' && p[1] <= '7' && p[2] >= '0' &&
                p[2] <= '7') {
                r[k] = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
                p += 2;
                if (r[k++] != '\0')
                    break;   /* a NUL ends no file name */
            }
            free(r);
            return NULL;
        }
    }
    free(r);
    return NULL;
}

/* The name and timestamp of a `--- ` or `+++ ` line (s, n: the line). */
static int parse_side(const char *s, size_t n, side_t *side)
{
    const char *p = s + 4, *end = s + n, *name_end;
    while (end > p && end[-1] == '\r')
        end--;
    side->name = NULL;
    side->epoch = 0;
    if (p < end && *p == '"') {
        if (!(side->name = unquote(p, end, &name_end)))
            return 0;
    } else {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        name_end = tab ? tab : end;
        const char *last = name_end;
        if (!tab)
            while (last > p && last[-1] == ' ')
                last--;
        if (last == p || !(side->name = malloc((size_t)(last - p) + 1)))
            return 0;
        memcpy(side->name, p, (size_t)(last - p));
        side->name[last - p] = '\0';
    }
    while (name_end < end && (*name_end == '\t' || *name_end == ' '))
        name_end++;
    side->epoch = is_epoch(name_end, end);
    if (!side->name[0]) {
        free(side->name);
        side->name = NULL;
        return 0;
    }
    return 1;
}

/* -p1: the name past its first directory, repeated slashes squashed, in
 * place; 0 when it has no directory or nothing after it. */
static int strip_one(char *name)
{
    const char *r = strchr(name, '/');
    char *w = name;
    if (!r)
        return 0;
    while (*r == '/')
        r++;
    for (; *r; r++)
        if (!(*r == '/' && w > name && w[-1] == '/'))
            *w++ = *r;
    *w = '\0';
    while (w > name && w[-1] == '/')
        *--w = '\0';
    return name[0] != '\0';
}

/* prefix + name, C-quoted when git would quote it (libgit2 unquotes it). */
static void put_name(out_t *o, const char *prefix, const char *name)
{
    int plain = 1;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        plain &= *c > ' ' && *c < 0x7f && *c != '"' && *c != '\\';
    if (plain) {
        put_str(o, prefix);
        put_str(o, name);
        return;
    }
    put(o, "\"", 1);
    put_str(o, prefix);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        char esc[5];
        if (*c == '"' || *c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*c;
            put(o, esc, 2);
        } else if (*c < ' ' || *c >= 0x7f) {
            esc[0] = '\\';
            esc[1] = (char)('0' + (*c >> 6));
            esc[2] = (char)('0' + ((*c >> 3) & 7));
            esc[3] = (char)('0' + (*c & 7));
            put(o, esc, 4);
        } else {
            put(o, c, 1);
        }
    }
    put(o, "\"", 1);
}

/* The git header for one traditional file diff; 0 when its names give no
 * file (the lines are then copied as they were). */
static int put_git_header(out_t *o, side_t *old, side_t *neu, long old_count, long new_count)
{
    int old_null = strcmp(old->name, "/dev/null") == 0, new_null = strcmp(neu->name, "/dev/null") == 0;
    if (old_null && new_null)
        return 0;
    if ((!old_null && !strip_one(old->name)) || (!new_null && !strip_one(neu->name)))
        return 0;
    int added = old_null || (old->epoch && old_count == 0 && !neu->epoch);
    int deleted = !added && (new_null || (neu->epoch && new_count == 0 && !old->epoch));
    const char *name;
    if (added)
        name = new_null ? old->name : neu->name;
    else if (deleted)
        name = old_null ? neu->name : old->name;
    else if (strlen(neu->name) < strlen(old->name) && strncmp(old->name, neu->name, strlen(neu->name)) == 0)
        name = neu->name;
    else
        name = old->name;
    put_str(o, "diff --git ");
    put_name(o, "a/", name);
    put_str(o, " ");
    put_name(o, "b/", name);
    put_str(o, added ? "\nnew file mode 100644\n" : deleted ? "\ndeleted file mode 100644\n" : "\n");
    put_str(o, "--- ");
    if (added)
        put_str(o, "/dev/null");
    else
        put_name(o, "a/", name);
    put_str(o, "\n+++ ");
    if (deleted)
        put_str(o, "/dev/null");
    else
        put_name(o, "b/", name);
    put_str(o, "\n");
    return 1;
}

/* Whether the lines at p are `--- `, `+++ `, `@@ -...` (a traditional
 * file header); the hunk's counts in *oc, *nc. */
static int traditional_at(const char *p, size_t n, const char *end, long *oc, long *nc)
{
    long os, ns;
    if (!patch_line_starts(p, n, "--- "))
        return 0;
    const char *plus = next_line(p, n, end);
    size_t pn = patch_line_len(plus, end);
    if (plus >= end || !patch_line_starts(plus, pn, "+++ "))
        return 0;
    const char *hunk = next_line(plus, pn, end);
    size_t hn = patch_line_len(hunk, end);
    return hunk < end && parse_hunk_header(hunk, hn, &os, oc, &ns, nc);
}

char *patch_traditional_to_git(const char *patch, size_t len, size_t *out_len)
{
    const char *end = patch + len;
    out_t o = { NULL, 0, 0, 0 };
    long old_left = 0, new_left = 0, oc, nc, os, ns;
    int git_open = 0, converted = 0;

    for (const char *p = patch; p < end;) {
        size_t n = patch_line_len(p, end);
        const char *next = next_line(p, n, end);
        if (old_left > 0 || new_left > 0) {   /* inside a hunk: its lines, counted */
            char c = n ? p[0] : ' ';
            if (c == ' ' || c == '\r') {
                old_left--;
                new_left--;
            } else if (c == '-') {
                old_left--;
            } else if (c == '+') {
                new_left--;
            } else if (c != '\\') {
                old_left = new_left = 0;   /* malformed: libgit2 says so */
                continue;
            }
        } else if (patch_line_starts(p, n, "diff --git ")) {
            git_open = 1;
        } else if (parse_hunk_header(p, n, &os, &oc, &ns, &nc)) {
            old_left = oc;
            new_left = nc;
            git_open = 0;
        } else if (!git_open && traditional_at(p, n, end, &oc, &nc)) {
            const char *plus = next;
            size_t pn = patch_line_len(plus, end);
            side_t old, neu = { NULL, 0 };
            int ok = parse_side(p, n, &old) && parse_side(plus, pn, &neu) && put_git_header(&o, &old, &neu, oc, nc);
            free(old.name);
            free(neu.name);
            if (ok) {
                converted++;
                p = next_line(plus, pn, end);
                continue;
            }
            put(&o, p, (size_t)(next - p));   /* copied: libgit2 says why it refuses */
            p = next;
            continue;
        }
        put(&o, p, (size_t)(next - p));
        p = next;
    }
    if (!converted || o.oom) {
        free(o.b);
        return NULL;
    }
    o.b[o.n] = '\0';
    *out_len = o.n;
    return o.b;
}
