/*
 * secrets_join.c: string literals joined as the language would join them, so
 * a token split into pieces (`"AKIA" + "Z7QW…"`, `'ghp_…' '…'` adjacent in
 * Python or C, `'…' . '…'` in PHP and Perl, `..` in Lua) is seen whole.
 *
 * A closing quote followed by blanks, at most one operator (+ . ..), blanks,
 * an optional string prefix (r, b, u, f, up to two letters) and an opening
 * quote is a glue: both quotes and what lies between are dropped, and the
 * position in the joined text where the two pieces meet is recorded. Quote
 * state is tracked (backslash escapes inside a literal), so a quote inside a
 * literal does not start one. The joined text goes to the caller's scan in
 * pieces of at most SEC_JOIN_MAX bytes (a longer line is scanned in
 * overlapping windows: SEC_JOIN_KEEP bytes carried over), only when a piece
 * holds a glue; the caller keeps only findings that span one.
 */
#include <stdint.h>
#include <string.h>

#include "secrets_internal.h"

static int is_quote(char c)
{
    return c == '"' || c == '\'' || c == '`';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_prefix(char c)
{
    return c == 'r' || c == 'R' || c == 'b' || c == 'B' || c == 'u' || c == 'U' || c == 'f' || c == 'F';
}

/* After the quote at s[i]: the index of the next literal's opening quote
 * when a glue follows, else 0. */
static size_t glue_after(const char *s, size_t n, size_t i)
{
    size_t j = i + 1;
    while (j < n && is_blank(s[j]))
        j++;
    if (j < n && s[j] == '+')
        j++;
    else if (j + 1 < n && s[j] == '.' && s[j + 1] == '.')
        j += 2;
    else if (j < n && s[j] == '.')
        j++;
    while (j < n && is_blank(s[j]))
        j++;
    for (int k = 0; k < 2 && j < n && is_prefix(s[j]); k++)
        j++;
    return j < n && (s[j] == '"' || s[j] == '\'') ? j : 0;
}

/* Whether any quote of the line could be followed by a glue (no quote
 * state: a cheap filter before the joining pass, memchr per quote kind). */
static int may_glue(const char *s, size_t n)
{
    static const char quotes[] = { '"', '\'', '`' };
    for (size_t q = 0; q < sizeof quotes; q++)
        for (const char *p = memchr(s, quotes[q], n); p; p = memchr(p + 1, quotes[q], n - (size_t)(p + 1 - s)))
            if (glue_after(s, n, (size_t)(p - s)))
                return 1;
    return 0;
}

typedef struct {
    char buf[SEC_JOIN_MAX];
    size_t len;
    uint32_t glue[SEC_JOIN_GLUES];
    unsigned n_glue;
} joined_t;

/* Scans the piece when it holds a glue, then keeps its last SEC_JOIN_KEEP
 * bytes (and the glues in them) for the next piece. */
static int flush(joined_t *j, sec_join_scan_fn scan, void *ctx)
{
    int rc = j->n_glue ? scan(ctx, j->buf, j->len, j->glue, j->n_glue) : 0;
    size_t drop = j->len > SEC_JOIN_KEEP ? j->len - SEC_JOIN_KEEP : 0;
    memmove(j->buf, j->buf + drop, j->len - drop);
    j->len -= drop;
    unsigned k = 0;
    for (unsigned g = 0; g < j->n_glue; g++)
        if (j->glue[g] > drop)
            j->glue[k++] = (uint32_t)(j->glue[g] - drop);
    j->n_glue = k;
    return rc;
}

static int put(joined_t *j, char c, sec_join_scan_fn scan, void *ctx)
{
    int rc = j->len == SEC_JOIN_MAX ? flush(j, scan, ctx) : 0;
    j->buf[j->len++] = c;
    return rc;
}

int sec_join_literals(const char *s, size_t n, sec_join_scan_fn scan, void *ctx)
{
    if (!may_glue(s, n))
        return 0;
    joined_t j;
    j.len = 0;
    j.n_glue = 0;
    char quote = 0;   /* inside a literal opened by this quote */
    int rc = 0, glued = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char c = s[i];
        size_t next;
        if (quote && c == '\\' && i + 1 < n) {
            rc = put(&j, c, scan, ctx);
            c = s[++i];
        } else if (quote && c == quote && (next = glue_after(s, n, i)) != 0) {
            if (j.n_glue == SEC_JOIN_GLUES && (rc = flush(&j, scan, ctx)) == 0 && j.n_glue == SEC_JOIN_GLUES) {
                /* all in the carried-over text, scanned already: the newer half is enough
                 * to mark a token that runs across them */
                memmove(j.glue, j.glue + SEC_JOIN_GLUES / 2, SEC_JOIN_GLUES / 2 * sizeof j.glue[0]);
                j.n_glue = SEC_JOIN_GLUES / 2;
            }
            j.glue[j.n_glue++] = (uint32_t)j.len;
            quote = s[next];
            i = next;
            glued = 1;
            continue;
        } else if (quote && c == quote) {
            quote = 0;
        } else if (!quote && is_quote(c)) {
            quote = c;
        }
        rc = rc ? rc : put(&j, c, scan, ctx);
    }
    return rc == 0 && glued && j.n_glue ? scan(ctx, j.buf, j.len, j.glue, j.n_glue) : rc;
}
