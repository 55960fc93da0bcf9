/*
 * shell_compound.h: where the `shell` analyzer is inside compound commands -
 * groups `{ …; }`, subshells `( … )`, loops `do … done`, function bodies -
 * across statements and lines of one file or script.
 *
 * The lexer splits statements at `;`, `&&` and newlines, so in
 * `{ curl -s URL; } | sh` the download and the shell it feeds are in two
 * statements, as are `curl URL | while read l; do eval "$l"; done` and
 * `f() { curl URL; }` … `f | sh`. sh_compound_t counts the openings and
 * closings (a `$(…)` or `<(…)` closed in its statement counts neither) so the
 * rules can tell which statement closes the compound a download printed into
 * or was piped into. No allocation.
 */
#ifndef AIRLOCK_SHELL_COMPOUND_H
#define AIRLOCK_SHELL_COMPOUND_H

#include "shell_lex.h"

#define SH_FUNC_NAME 48

typedef struct {
    unsigned char depth;     /* open compounds before the current statement */
    unsigned char out_level; /* a download printed to stdout at this depth (0: none) */
    unsigned char fed_level; /* a download piped into a compound at this depth (0: none) */
    unsigned char func_level;/* the body of function `func` is at this depth (0: none) */
    char func[SH_FUNC_NAME];
    unsigned char func_len;
} sh_compound_t;

/* The depth at token i of the statement: c->depth plus the compounds the
 * statement opened and minus those it closed before i. */
unsigned sh_compound_depth_at(const sh_compound_t *c, const sh_stmt_t *st, unsigned i);

/* The first token of the statement at or after `from` that closes a compound
 * at depth `level` or deeper (the depth drops below level), or st->n. */
unsigned sh_compound_closer(const sh_compound_t *c, const sh_stmt_t *st, unsigned from, unsigned level);

/* Whether token i of the statement opens a compound (`(`, `{` or `do` as a
 * command word). */
int sh_compound_opens(const sh_stmt_t *st, unsigned i);

/* Code printed to stdout after the statement just ended (a here-document's
 * text that would have been a finding): as a download printed there
 * (out_level, at depth 1 at least: the line that opened the compound may have
 * been passed over by the prefilter), its output runs only if the compound
 * around it is piped into a runner (`f() { cat <<EOF … }` … `f | sh`). */
void sh_compound_printed(sh_compound_t *c);

/* After a statement: the depth past it; a function definition it starts
 * (`f() {`, `function f {`) is remembered with its body's depth; the levels
 * it closed are forgotten. Returns 1 when it closed the body of a function
 * whose body printed a download (out_level inside it): *name and *len
 * name that function. */
int sh_compound_end(sh_compound_t *c, const sh_stmt_t *st, const char **name, size_t *len);

#endif
