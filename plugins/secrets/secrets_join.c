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
 * literal does not start one. A literal interpolated into another (`f"{'…'}"`,
 * `` `${'…'}` ``, the empty `${""}` too) is glued in place. The joined text goes to the caller's scan in
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

/* From s[i]: blanks, at most one joining operator (+ . ..), blanks and a
 * string prefix (up to two of r b u f), then an opening quote: the index
 * after it, or 0 when something else comes. Between two literals of a line (glue_after)
 * and at the start of a continued line (sec_join_head) alike. With `listed`
 * (the line joins or formats: join(, format(, concat(, concat!(, printf, %), also
 * `, ` between list items or arguments, ` % (` and `.format(`. */
static size_t literal_after_op(const char *s, size_t n, size_t i, int listed)
{
    size_t j = i;
    while (j < n && is_blank(s[j]))
        j++;
    if (listed && j < n && (s[j] == ',' || s[j] == '%')) {
        j++;
        while (j < n && is_blank(s[j]))
            j++;
        if (j < n && s[j] == '(' && s[j - 1] != ',')
            j++;   /* '…%s' % ('…', …) */
    } else if (listed && j + 8 <= n && memcmp(s + j, ".format(", 8) == 0) {
        j += 8;
    } else if (j < n && s[j] == '+')
        j++;
    else if (j + 1 < n && s[j] == '|' && s[j + 1] == '|')
        j += 2;   /* SQL's concatenation */
    else if (j + 8 <= n && memcmp(s + j, ".concat(", 8) == 0)
        j += 8;   /* "…".concat("…") */
    else if (j + 9 <= n && memcmp(s + j, ").append(", 9) == 0)
        j += 9;   /* a builder's .append("…").append("…") */
    else if (j + 1 < n && s[j] == '.' && s[j + 1] == '.')
        j += 2;
    else if (j < n && s[j] == '.')
        j++;
    while (j < n && is_blank(s[j]))
        j++;
    for (int k = 0; k < 2 && j < n && is_prefix(s[j]); k++)
        j++;
    return j < n && (s[j] == '"' || s[j] == '\'') ? j + 1 : 0;
}

/* After the quote at s[i]: the index of the next literal's opening quote
 * when a glue follows, else 0. */
static size_t glue_after(const char *s, size_t n, size_t i, int listed)
{
    size_t q = literal_after_op(s, n, i + 1, listed);
    return q ? q - 1 : 0;
}

/* Whether the line joins or formats a list of literals (`''.join([…])`,
 * `'{}{}'.format(…)`, `'%s%s' % (…)`, `concat(`, `sprintf(`), found by
 * their '(' and '%' (memchr: every line takes this path). */
static int joins_list(const char *s, size_t n)
{
    static const char *const calls[] = {"join(", "format(", "concat(", "concat!(", "printf(", "Sprintf("};
    const char *end = s + n;
    if (memchr(s, '%', n))
        return 1;
    for (const char *p = memchr(s, '(', n); p; p = memchr(p + 1, '(', (size_t)(end - p - 1)))
        for (size_t k = 0; k < sizeof calls / sizeof calls[0]; k++) {
            size_t m = strlen(calls[k]);
            if ((size_t)(p + 1 - s) >= m && memcmp(p + 1 - m, calls[k], m) == 0)
                return 1;
        }
    return 0;
}

/* A placeholder inside a literal the formatting fills: `%s`, `{}`, `{0}`.
 * Its length, or 0. */
static size_t placeholder(const char *s, size_t n, size_t i)
{
    if (s[i] == '%' && i + 1 < n && s[i + 1] == 's')
        return 2;
    if (s[i] == '{' && i + 1 < n && s[i + 1] == '}')
        return 2;
    if (s[i] == '{' && i + 2 < n && s[i + 1] >= '0' && s[i + 1] <= '9' && s[i + 2] == '}')
        return 3;
    return 0;
}

/* Whether any quote of the line could be followed by a glue (no quote
 * state: a cheap filter before the joining pass, memchr per quote kind).
 * *listed: whether list glues count (joins_list), looked at only when a
 * quote is followed by one. */
static int may_glue(const char *s, size_t n, int *listed)
{
    int list_glue = 0;
    static const char quotes[] = { '"', '\'', '`' };
    const char *end = s + n;
    for (const char *p = memchr(s, '\\', n); p && p + 2 < end; p = memchr(p + 1, '\\', (size_t)(end - p - 1)))
        if (p[1] == 'x' || (p[1] == 'u' && p[2] == '0') || (p[1] >= '0' && p[1] <= '7'))
            return 1;   /* an escape the joining pass reads */
    for (const char *p = memchr(s, '{', n); p && p + 1 < end; p = memchr(p + 1, '{', (size_t)(end - p - 1)))
        if (p[1] == '"' || p[1] == '\'')
            return 1;   /* a literal interpolated into a literal, maybe: f"{'…'}", `${'…'}` */
    for (size_t q = 0; q < sizeof quotes; q++)
        for (const char *p = memchr(s, quotes[q], n); p; p = memchr(p + 1, quotes[q], n - (size_t)(p + 1 - s))) {
            if (!glue_after(s, n, (size_t)(p - s), 1))
                continue;
            if (glue_after(s, n, (size_t)(p - s), 0))
                return *listed = joins_list(s, n), 1;
            list_glue = 1;
        }
    return list_glue && (*listed = joins_list(s, n));
}

/* A literal opened at s[q] with the quote of the literal it is interpolated
 * into: it closes at the next such quote, right before the hole's `}`, and
 * holds no backslash (HCL's "…${""}…", C#'s $"…{"…"}…"). */
static int same_quote_hole(const char *s, size_t n, size_t q)
{
    for (size_t r = q + 1; r < n && s[r] != '\\'; r++)
        if (s[r] == s[q])
            return r + 1 < n && s[r + 1] == '}';
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

/* Records a join at the current end of the joined text. */
static int add_glue(joined_t *j, sec_join_scan_fn scan, void *ctx)
{
    int rc = 0;
    if (j->n_glue == SEC_JOIN_GLUES && (rc = flush(j, scan, ctx)) == 0 && j->n_glue == SEC_JOIN_GLUES) {
        /* all in the carried-over text, scanned already: the newer half is enough
         * to mark a token that runs across them */
        memmove(j->glue, j->glue + SEC_JOIN_GLUES / 2, SEC_JOIN_GLUES / 2 * sizeof j->glue[0]);
        j->n_glue = SEC_JOIN_GLUES / 2;
    }
    j->glue[j->n_glue++] = (uint32_t)j->len;
    return rc;
}

static int octal_digit(char c)
{
    return c >= '0' && c <= '7';
}

/* An escape at s[i] (after the backslash) that spells one printable ASCII
 * byte: `u00HH`, `xHH` or three octal digits (C, Python, shell's $'…').
 * Its length (5, 3 or 3) with *out the byte, or 0. */
static size_t escape_byte(const char *s, size_t n, size_t i, char *out)
{
    size_t at;
    if (i + 2 < n && octal_digit(s[i]) && octal_digit(s[i + 1]) && octal_digit(s[i + 2])) {
        int v = (s[i] - '0') * 64 + (s[i + 1] - '0') * 8 + (s[i + 2] - '0');
        if (v < 0x21 || v > 0x7e)
            return 0;
        *out = (char)v;
        return 3;
    }
    if (i < n && s[i] == 'x')
        at = i + 1;
    else if (i + 2 < n && s[i] == 'u' && s[i + 1] == '0' && s[i + 2] == '0')
        at = i + 3;
    else
        return 0;
    if (at + 1 >= n)
        return 0;
    int hi = sec_hex_digit(s[at]), lo = sec_hex_digit(s[at + 1]);
    if (hi < 0 || lo < 0 || hi * 16 + lo < 0x21 || hi * 16 + lo > 0x7e)
        return 0;
    *out = (char)(hi * 16 + lo);
    return at + 2 - i;
}

static int word_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int sec_join_literals(const char *s, size_t n, sec_join_scan_fn scan, void *ctx)
{
    int listed = 0;
    size_t ph;
    if (!may_glue(s, n, &listed))
        return 0;
    joined_t j;
    j.len = 0;
    j.n_glue = 0;
    char quote = 0;   /* inside a literal opened by this quote */
    char inner = 0;   /* inside a literal interpolated into it (`{'…'}`), opened by this quote */
    int rc = 0, glued = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char c = s[i];
        size_t next;
        char b;
        size_t esc;
        if (quote && c == '\\' && i + 1 < n && (esc = escape_byte(s, n, i + 1, &b)) != 0) {
            /* "\u0041KIA…": the byte the escape spells, joins on both sides */
            rc = add_glue(&j, scan, ctx) ?: put(&j, b, scan, ctx) ?: add_glue(&j, scan, ctx);
            i += esc;
            glued = 1;
            continue;
        }
        if (quote && !inner && (c == '{' || (c == '$' && i + 1 < n && s[i + 1] == '{'))) {
            size_t q = i + (c == '$' ? 2 : 1);
            if (q < n && (((s[q] == '"' || s[q] == '\'') && s[q] != quote) ||
                          (s[q] == quote && same_quote_hole(s, n, q)))) {
                /* f"{'ghp_…'}{'…'}", `${'ghp_…'}…`, `ghp_…${""}…`: a literal interpolated;
                 * also with the enclosing quote (HCL's "…${""}…", C#'s $"…{"…"}…") */
                rc = add_glue(&j, scan, ctx);
                inner = s[q];
                i = q;
                glued = 1;
                continue;
            }
        }
        if (inner && c == inner && i + 1 < n && s[i + 1] == '}') {
            rc = add_glue(&j, scan, ctx);
            inner = 0;
            i++;
            continue;
        }
        if (!quote && (c == '"' || c == '\'') && i > 0 && i + 2 < n && s[i + 1] == c && word_byte(s[i - 1]) &&
            word_byte(s[i + 2])) {
            rc = add_glue(&j, scan, ctx);   /* AKIA''Z7…: an empty literal inside a shell word */
            i++;
            glued = 1;
            continue;
        }
        if (listed && quote && (ph = placeholder(s, n, i)) != 0) {
            rc = add_glue(&j, scan, ctx);   /* '{}{}'.format('ghp_…', '…'): filled by the pieces */
            i += ph - 1;
            continue;
        }
        if (quote && c == '\\' && i + 1 < n) {
            rc = put(&j, c, scan, ctx);
            c = s[++i];
        } else if (quote && c == quote && (next = glue_after(s, n, i, listed)) != 0) {
            rc = add_glue(&j, scan, ctx);
            quote = s[next];
            inner = 0;   /* an interpolation left open ('{"a": 1}') ends with its literal */
            i = next;
            glued = 1;
            continue;
        } else if (quote && c == quote) {
            quote = 0;
            inner = 0;
        } else if (!quote && is_quote(c)) {
            quote = c;
        }
        rc = rc ? rc : put(&j, c, scan, ctx);
    }
    return rc == 0 && glued && j.n_glue ? scan(ctx, j.buf, j.len, j.glue, j.n_glue) : rc;
}

size_t sec_join_tail(const char *s, size_t n, const char **content)
{
    size_t e = n, b;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\\'))
        e--;
    if (e > 0 && s[e - 1] == '+')
        e--;
    else if (e > 0 && s[e - 1] == '.')
        e -= e > 1 && s[e - 2] == '.' ? 2 : 1;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    if (e < 2 || (s[e - 1] != '"' && s[e - 1] != '\''))
        return 0;
    for (b = e - 1; b > 0 && s[b - 1] != s[e - 1]; b--)
        ;
    if (b == 0)
        return 0;
    *content = s + b;
    return e - 1 - b;
}

size_t sec_join_open_tail(const char *s, size_t n, const char **content)
{
    char quote = 0;
    size_t open = 0;
    if (n < 2 || s[n - 1] != '\\')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (quote == '"' && s[i] == '\\')
            i++;   /* an escape; at the end of the line, the escaped line break */
        else if (quote && s[i] == quote)
            quote = 0;
        else if (!quote && (s[i] == '"' || s[i] == '\''))
            quote = s[i], open = i;
    }
    if (quote != '"' || s[n - 2] == '\\')
        return 0;   /* no double-quoted literal left open, or a backslash escaped */
    *content = s + open + 1;
    return n - 1 - (open + 1);
}

size_t sec_join_head(const char *s, size_t n)
{
    return literal_after_op(s, n, 0, 0);
}
