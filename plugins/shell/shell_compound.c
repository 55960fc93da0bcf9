/*
 * shell_compound.c: depth in compound commands across statements
 * (shell_compound.h).
 */
#include "shell_compound.h"

#include <string.h>

static const sh_tok_t *T(const sh_stmt_t *st, unsigned i)
{
    return &st->tok[i];
}

static int word_is(const sh_stmt_t *st, unsigned i, const char *lit)
{
    size_t m = strlen(lit);
    return T(st, i)->kind == SH_WORD && T(st, i)->len == m && memcmp(st->line + T(st, i)->start, lit, m) == 0;
}

int sh_compound_opens(const sh_stmt_t *st, unsigned i)
{
    if (T(st, i)->kind == SH_OP_GROUP)
        return 1;
    return (word_is(st, i, "{") || word_is(st, i, "do")) && sh_command_start(st, i);
}

static int closes_word(const sh_stmt_t *st, unsigned i)
{
    return (word_is(st, i, "}") || word_is(st, i, "done")) && sh_command_start(st, i);
}

/* A walk over a statement's tokens: the depth so far, and what each open
 * parenthesis opened (`stack`, one bit per level: 1 a `(` group, 0 a `$(` or
 * `<(` substitution), so a `)` closes a compound only when it closes a group
 * or one opened before the statement. */
typedef struct {
    unsigned depth;
    uint32_t stack;
    unsigned nstack;
} walk_t;

/* Whether word i could open or close a compound: `{`, `}`, `do`, `done`
 * (most words are none of these; the test spares them four comparisons). */
static int compound_word(const sh_stmt_t *st, unsigned i)
{
    const char *w = st->line + T(st, i)->start;
    switch (T(st, i)->len) {
    case 1: return w[0] == '{' || w[0] == '}';
    case 2: return w[0] == 'd' && w[1] == 'o';
    case 4: return w[0] == 'd' && w[1] == 'o';
    default: return 0;
    }
}

/* Steps over token i; returns 1 when it closed a compound. */
static int walk_step(walk_t *w, const sh_stmt_t *st, unsigned i)
{
    sh_tok_kind_t k = (sh_tok_kind_t)T(st, i)->kind;
    if (k == SH_WORD && !compound_word(st, i))
        return 0;
    if (k == SH_OP_SUBST || k == SH_OP_PROCSUB || k == SH_OP_GROUP) {
        /* `f()`: a function definition's empty parentheses are no group */
        int group = k == SH_OP_GROUP && !(i + 1 < st->n && T(st, i + 1)->kind == SH_OP_CLOSE);
        if (w->nstack < 32) {
            w->stack = (w->stack << 1) | (uint32_t)group;
            w->nstack++;
        }
        if (group)
            w->depth++;
        return 0;
    }
    if (k == SH_OP_CLOSE && w->nstack > 0) {
        int group = w->stack & 1u;
        w->stack >>= 1;
        w->nstack--;
        if (group && w->depth > 0)
            w->depth--;
        return group;
    }
    if (k == SH_OP_CLOSE || closes_word(st, i)) {
        if (w->depth > 0)
            w->depth--;
        return 1;
    }
    if (sh_compound_opens(st, i))
        w->depth++;
    return 0;
}

unsigned sh_compound_depth_at(const sh_compound_t *c, const sh_stmt_t *st, unsigned i)
{
    walk_t w = {c->depth, 0, 0};
    for (unsigned k = 0; k < i && k < st->n; k++)
        walk_step(&w, st, k);
    return w.depth;
}

unsigned sh_compound_closer(const sh_compound_t *c, const sh_stmt_t *st, unsigned from, unsigned level)
{
    walk_t w = {c->depth, 0, 0};
    for (unsigned k = 0; k < st->n; k++)
        if (walk_step(&w, st, k) && k >= from && w.depth < level)
            return k;
    return st->n;
}

void sh_compound_printed(sh_compound_t *c)
{
    c->out_level = (unsigned char)(c->depth ? c->depth : 1);
}

/* `f() {`, `f () (`, `function f {`: the function's name token, or st->n. */
static unsigned function_name(const sh_stmt_t *st)
{
    if (st->n >= 3 && T(st, 0)->kind == SH_WORD && T(st, 1)->kind == SH_OP_GROUP &&
        T(st, 2)->kind == SH_OP_CLOSE)
        return 0;
    if (st->n >= 2 && word_is(st, 0, "function") && T(st, 1)->kind == SH_WORD)
        return 1;
    return st->n;
}

int sh_compound_end(sh_compound_t *c, const sh_stmt_t *st, const char **name, size_t *len)
{
    walk_t w = {c->depth, 0, 0};
    unsigned f = function_name(st);
    unsigned start = c->depth;
    int found = 0;
    for (unsigned k = 0; k < st->n; k++) {
        if (!walk_step(&w, st, k))
            continue;
        if (c->func_level && w.depth < c->func_level) {
            if (c->out_level >= c->func_level) {
                *name = c->func;
                *len = c->func_len;
                found = 1;
            }
            c->func_level = 0;
        }
        if (w.depth < c->out_level)
            c->out_level = 0;
        if (w.depth < c->fed_level)
            c->fed_level = 0;
    }
    c->depth = (unsigned char)(w.depth < 255 ? w.depth : 255);
    if (!found && f < st->n && T(st, f)->len < sizeof c->func) {
        memcpy(c->func, st->line + T(st, f)->start, T(st, f)->len);
        c->func_len = (unsigned char)T(st, f)->len;
        c->func_level = (unsigned char)(start + 1 < 255 ? start + 1 : 255);
    }
    return found;
}
