/*
 * python_lex.h: the `python` analyzer's light tokenization within one line
 * (python_lex.c): string literals, literal arguments, keyword arguments,
 * words and parentheses. Pure functions over a line's text: no state, no
 * allocation.
 */
#ifndef AIRLOCK_PYTHON_LEX_H
#define AIRLOCK_PYTHON_LEX_H

#include <stddef.h>

/* Skips the string literal whose opening quote is at s[i]: the index after
 * it, or n with *triple set to the quote when a triple-quoted string stays
 * open. */
size_t py_skip_string(const char *s, size_t n, size_t i, char *triple);
/* String prefix letters at s[i] followed by a quote: the quote's index, or 0. */
size_t py_prefix_quote(const char *s, size_t n, size_t i);
/* The argument at s[i] is a plain, non-f string literal ending the argument. */
int py_literal_arg(const char *s, size_t n, size_t i);
/* `kw=True` in s[0, n). */
int py_keyword_true(const char *s, size_t n, const char *kw);
/* The word w at s[i], not the start of a longer name. */
int py_is_word_at(const char *s, size_t n, size_t i, const char *w);
/* The innermost '(' still open at s[i], or (size_t)-1. */
size_t py_open_paren_before(const char *s, size_t i);
/* Where the argument starting at s[i] ends (its ',' or the call's ')', at
 * parenthesis depth 0), or (size_t)-1 when it does not end on this line or
 * a comment or an open triple-quoted string comes first. */
size_t py_arg_end(const char *s, size_t n, size_t i);

#endif
