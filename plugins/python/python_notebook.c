/*
 * python_notebook.c: the code lines of a Jupyter notebook's JSON
 * (python_notebook.h).
 */
#include "python_notebook.h"

#include <string.h>

#include "an_text.h"

typedef struct {
    char buf[PY_NB_MAX_LINE];
    size_t len;
    int skip;           /* a markdown or raw cell: decode, hand nothing over */
    py_nb_code_fn fn;
    void *ud;
} nb_decoder_t;

/* `"key":` at s[i]: the index after the colon and the spaces behind it, or 0. */
static size_t key_value(const char *s, size_t n, size_t i, const char *key)
{
    size_t m = strlen(key);
    if (i + m + 3 > n || s[i] != '"' || memcmp(s + i + 1, key, m) != 0 || s[i + 1 + m] != '"')
        return 0;
    i = an_skip_space(s, n, i + m + 2);
    if (i >= n || s[i] != ':')
        return 0;
    i = an_skip_space(s, n, i + 1);
    return i < n ? i : 0;
}

/* A line of code decoded: handed over unless it is a shell escape or a
 * magic (`!pip install x`, `%time f()`). */
static int flush(nb_decoder_t *d)
{
    size_t i = an_skip_space(d->buf, d->len, 0);
    size_t len = d->len;
    d->len = 0;
    if (d->skip || i >= len || d->buf[i] == '!' || d->buf[i] == '%')
        return 0;
    return d->fn(d->ud, d->buf, len);
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The escape at s[i] (the byte after a backslash): its character in *c and
 * how many bytes it takes. A \u escape of a non-ASCII character is '?'. */
static size_t unescape(const char *s, size_t n, size_t i, char *c)
{
    static const char from[] = "nt\"\\/rbf", to[] = "\n\t\"\\/\r\b\f";
    const char *p = i < n ? memchr(from, s[i], sizeof from - 1) : NULL;
    unsigned v = 0;
    if (p) {
        *c = to[p - from];
        return 1;
    }
    if (i + 5 > n || s[i] != 'u') {
        *c = '?';
        return i < n ? 1 : 0;
    }
    for (size_t k = 1; k <= 4; k++) {
        int h = hex_value(s[i + k]);
        if (h < 0) {
            *c = '?';
            return 1;
        }
        v = v * 16 + (unsigned)h;
    }
    *c = v < 0x80 ? (char)v : '?';
    return 5;
}

/* The JSON string whose opening quote is s[q], decoded and handed over line
 * by line. *end: the index after its closing quote (n when unterminated). */
static int decode_string(nb_decoder_t *d, const char *s, size_t n, size_t q, size_t *end)
{
    int rc = 0;
    size_t i = q + 1;
    while (rc == 0 && i < n && s[i] != '"') {
        char c = s[i++];
        if (c == '\\')
            i += unescape(s, n, i, &c);
        if (c == '\n') {
            rc = flush(d);
            continue;
        }
        if (d->len == sizeof d->buf)
            rc = flush(d);
        d->buf[d->len++] = c;
    }
    *end = i < n ? i + 1 : n;
    if (rc == 0 && d->len > 0)
        rc = flush(d);
    return rc;
}

/* The strings of a "source" array from s[i] to its `]` (or the line's end). */
static int source_items(py_notebook_t *nb, nb_decoder_t *d, const char *s, size_t n, size_t i)
{
    int rc = 0;
    while (rc == 0 && i < n) {
        if (s[i] == '"') {
            rc = decode_string(d, s, n, i, &i);
        } else if (s[i] == ']') {
            nb->in_source = 0;
            break;
        } else {
            i++;   /* spaces and commas */
        }
    }
    return rc;
}

int py_notebook_line(py_notebook_t *nb, const char *s, size_t n, py_nb_code_fn fn, void *ud)
{
    nb_decoder_t d;
    size_t i = an_skip_space(s, n, 0), v;
    if (i >= n)
        return 0;
    d.len = 0;
    d.skip = nb->skip_cell;
    d.fn = fn;
    d.ud = ud;
    if (nb->in_source)
        return source_items(nb, &d, s, n, i);
    if (s[i] == '{' || (s[i] == '}' && memchr(s + i, '{', n - i))) {
        nb->skip_cell = 0;   /* a new cell: code until its cell_type says otherwise */
        return 0;
    }
    if ((v = key_value(s, n, i, "cell_type")) != 0) {
        nb->skip_cell = !(v + 6 <= n && memcmp(s + v, "\"code\"", 6) == 0);
        return 0;
    }
    if ((v = key_value(s, n, i, "source")) == 0)
        return 0;
    if (s[v] == '"')   /* the whole source as one string */
        return decode_string(&d, s, n, v, &v);
    if (s[v] != '[')
        return 0;
    nb->in_source = 1;
    return source_items(nb, &d, s, n, v + 1);
}
