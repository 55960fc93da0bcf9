/*
 * python_lex.c: the `python` analyzer's light tokenization within one line:
 * string literals (prefixed, triple-quoted, left open at the line's end),
 * a literal argument, a keyword argument set to True, a whole word, the call
 * a position is an argument of. Pure functions over the line's text; no
 * state, no allocation.
 */
#include "python_lex.h"

#include <string.h>

#include "an_text.h"

/* Skips a string literal whose opening quote is at s[i]; returns the index
 * after it, or n with *triple set to the quote when a triple-quoted string
 * stays open. */
size_t py_skip_string(const char *s, size_t n, size_t i, char *triple)
{
    char q = s[i];
    if (i + 2 < n && s[i + 1] == q && s[i + 2] == q) {
        for (size_t k = i + 3; k + 2 < n; k++) {
            if (s[k] == '\\') {
                k++;
                continue;
            }
            if (s[k] == q && s[k + 1] == q && s[k + 2] == q)
                return k + 3;
        }
        *triple = q;
        return n;
    }
    for (size_t k = i + 1; k < n; k++) {
        if (s[k] == '\\')
            k++;
        else if (s[k] == q)
            return k + 1;
    }
    return n;
}

/* Whether the string prefix letters s[i..] (r, b, u, f in any case, <= 2)
 * are followed by a quote. Returns the quote's index or 0. */
size_t py_prefix_quote(const char *s, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && k < i + 2 && strchr("rRbBuUfF", s[k]) && s[k])
        k++;
    return (k > i && k < n && (s[k] == '\'' || s[k] == '"')) ? k : 0;
}

/* The argument at s[i] (after '(') is a plain, non-f string literal that
 * ends the argument. */
int py_literal_arg(const char *s, size_t n, size_t i)
{
    char triple = 0;
    size_t q, end;
    i = an_skip_space(s, n, i);
    if (i >= n)
        return 0;
    q = (s[i] == '\'' || s[i] == '"') ? i : py_prefix_quote(s, n, i);
    if (q == 0 && s[i] != '\'' && s[i] != '"')
        return 0;
    for (size_t k = i; k < q; k++)
        if (s[k] == 'f' || s[k] == 'F')
            return 0;
    end = py_skip_string(s, n, q, &triple);
    if (triple)
        return 1; /* a triple-quoted literal running over the next lines */
    if (end > n)
        return 0;
    end = an_skip_space(s, n, end);
    return end < n && (s[end] == ')' || s[end] == ',');
}

/* `kw=True` (spaces allowed around `=`) in s: a keyword argument set. */
int py_keyword_true(const char *s, size_t n, const char *kw)
{
    size_t m = strlen(kw), off = 0, at;
    while (off < n && (at = an_find(s + off, n - off, kw)) != (size_t)-1) {
        size_t v = an_skip_space(s, n, off + at + m);
        if (v < n && s[v] == '=' && (v = an_skip_space(s, n, v + 1)) + 4 <= n && memcmp(s + v, "True", 4) == 0 &&
            (v + 4 == n || !an_is_ident((unsigned char)s[v + 4])))
            return 1;
        off += at + m;
    }
    return 0;
}

/* The word w at s[i], not the start of a longer name. */
int py_is_word_at(const char *s, size_t n, size_t i, const char *w)
{
    size_t m = strlen(w);
    return i + m <= n && memcmp(s + i, w, m) == 0 && (i + m == n || !an_is_ident((unsigned char)s[i + m]));
}

/* The innermost '(' still open at s[i] on this line (strings skipped), or
 * (size_t)-1: the call whose argument s[i] is. */
size_t py_open_paren_before(const char *s, size_t i)
{
    size_t stack[16], depth = 0;
    for (size_t k = 0; k < i; k++) {
        if (s[k] == '#')
            return (size_t)-1;
        if (s[k] == '\'' || s[k] == '"') {
            char triple = 0;
            k = py_skip_string(s, i, k, &triple) - 1;
            if (triple)
                return (size_t)-1;
        } else if (s[k] == '(' && depth < sizeof stack / sizeof stack[0]) {
            stack[depth++] = k;
        } else if (s[k] == ')' && depth > 0) {
            depth--;
        }
    }
    return depth > 0 ? stack[depth - 1] : (size_t)-1;
}

size_t py_arg_end(const char *s, size_t n, size_t i)
{
    size_t depth = 0;
    for (size_t k = i; k < n; k++) {
        char c = s[k];
        if (c == '#')
            return (size_t)-1;
        if (c == '\'' || c == '"') {
            char triple = 0;
            k = py_skip_string(s, n, k, &triple) - 1;
            if (triple)
                return (size_t)-1;
        } else if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth == 0)
                return c == ')' ? k : (size_t)-1;
            depth--;
        } else if (c == ',' && depth == 0) {
            return k;
        }
    }
    return (size_t)-1;
}
