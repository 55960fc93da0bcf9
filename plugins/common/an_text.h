/*
 * an_text.h: small text helpers shared by the built-in analyzers.
 *
 * All functions work on (pointer, length) slices that need not be
 * NUL-terminated, allocate nothing and keep no state.
 */
#ifndef AIRLOCK_AN_TEXT_H
#define AIRLOCK_AN_TEXT_H

#include <stddef.h>

#include "an_core.h"

/* ASCII lower-case without locale. */
static inline unsigned char an_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline int an_is_ident(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static inline int an_is_space(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* First occurrence of `needle` (given in lower case) in hay, ignoring ASCII
 * case. Returns the offset or (size_t)-1. */
size_t an_find_ci(const char *hay, size_t n, const char *needle);

/* Same, case-sensitive (memmem). */
size_t an_find(const char *hay, size_t n, const char *needle);

/* Whether needle occurs as a whole word (not preceded/followed by an
 * identifier character). Case-sensitive. Returns the offset or (size_t)-1. */
size_t an_find_word(const char *hay, size_t n, const char *needle);

/* Shannon entropy of the bytes in bits per byte (0..8). */
double an_entropy(const char *s, size_t n);

/* Skips spaces and tabs from i; returns the new index (<= n). */
size_t an_skip_space(const char *s, size_t n, size_t i);

/* The last path component / its extension (after the last '.', lower-case
 * comparison is up to the caller). Lent slices of path. */
const char *an_path_base(const char *path);
const char *an_path_ext(const char *path);

/* Whether the NUL-terminated s equals one of the n strings of set (file
 * names, extensions); AN_STR_IN takes the array itself. */
int an_str_in(const char *s, const char *const *set, size_t n);
#define AN_STR_IN(s, set) an_str_in((s), (set), sizeof(set) / sizeof((set)[0]))

/* The same for the slice s[0, len) (a word in a line, not NUL-terminated). */
int an_mem_in(const char *s, size_t len, const char *const *set, size_t n);
#define AN_MEM_IN(s, len, set) an_mem_in((s), (len), (set), sizeof(set) / sizeof((set)[0]))

/* Emits one finding; file may be NULL for "". */
int an_emit(an_emit_fn emit, void *ud, const char *rule_id, an_severity_t sev,
            const char *file, unsigned line, const char *message,
            const char *evidence, size_t evidence_len);

#endif
