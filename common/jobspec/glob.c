/*
 * glob.c: jobspec_glob_match, the gitignore-like glob semantics of
 * policy.write_paths and policy.protected (documented in jobspec.h).
 *
 * The pattern is compiled into a token list and matched by simulating the
 * NFA over the path once (no backtracking), so the cost is
 * O(strlen(path) * strlen(pattern)) whatever the pattern: hostile patterns
 * and paths cannot blow it up. Owns nothing; everything is on the stack.
 */
#include "common/jobspec/jobspec.h"

#include <string.h>

#define GLOB_MAX 1024

typedef enum { TK_CHAR, TK_QMARK, TK_STAR, TK_DSTAR, TK_ZDIRS } tk_kind_t;

typedef struct {
    tk_kind_t kind;
    char c;
} tk_t;

typedef struct {
    tk_t tk[GLOB_MAX + 2];
    size_t n;
    int dir_only;
} glob_prog_t;

static int is_dstar(const char *comp, size_t len) { return len == 2 && comp[0] == '*' && comp[1] == '*'; }

static void emit(glob_prog_t *g, tk_kind_t kind, char c)
{
    if (kind == TK_STAR && g->n > 0 && g->tk[g->n - 1].kind == TK_STAR)
        return; /* "a**b" inside a component is one star */
    g->tk[g->n].kind = kind;
    g->tk[g->n].c = c;
    g->n++;
}

static int glob_compile(const char *pat, glob_prog_t *g)
{
    size_t n = strlen(pat);
    int anchored = 0;
    memset(g, 0, sizeof *g);
    if (n > GLOB_MAX)
        return -1;
    if (n > 0 && pat[0] == '/') {
        anchored = 1;
        pat++;
        n--;
    }
    if (n > 0 && pat[n - 1] == '/') {
        g->dir_only = 1;
        n--;
    }
    if (n == 0)
        return -1;
    if (!anchored && !memchr(pat, '/', n))
        emit(g, TK_ZDIRS, 0);
    size_t i = 0;
    while (i < n) {
        const char *slash = memchr(pat + i, '/', n - i);
        size_t len = slash ? (size_t)(slash - (pat + i)) : n - i;
        if (is_dstar(pat + i, len)) {
            emit(g, slash ? TK_ZDIRS : TK_DSTAR, 0);
        } else {
            for (size_t k = 0; k < len; k++) {
                char c = pat[i + k];
                emit(g, c == '*' ? TK_STAR : c == '?' ? TK_QMARK : TK_CHAR, c);
            }
            if (slash)
                emit(g, TK_CHAR, '/');
        }
        i += len + (slash ? 1 : 0);
    }
    return 0;
}

/* States: k in [0, n] = "before token k" (n accepts); n+1+k = inside the
 * ZDIRS token k in the middle of a path component. */
static void closure(const glob_prog_t *g, unsigned char *set)
{
    for (size_t k = 0; k < g->n; k++)
        if (set[k] && g->tk[k].kind != TK_CHAR && g->tk[k].kind != TK_QMARK)
            set[k + 1] = 1;
}

static void step(const glob_prog_t *g, const unsigned char *cur, unsigned char *next, char c)
{
    size_t mid = g->n + 1;
    memset(next, 0, 2 * (g->n + 1));
    for (size_t k = 0; k < g->n; k++) {
        const tk_t *t = &g->tk[k];
        if (cur[mid + k])
            next[c == '/' ? k : mid + k] = 1;
        if (!cur[k])
            continue;
        switch (t->kind) {
        case TK_CHAR: if (c == t->c) next[k + 1] = 1; break;
        case TK_QMARK: if (c != '/') next[k + 1] = 1; break;
        case TK_STAR: if (c != '/') next[k] = 1; break;
        case TK_DSTAR: next[k] = 1; break;
        case TK_ZDIRS: next[c == '/' ? k : mid + k] = 1; break;
        }
    }
    closure(g, next);
}

int jobspec_glob_match(const char *pattern, const char *path)
{
    static _Thread_local glob_prog_t g;
    static _Thread_local unsigned char a[2 * (GLOB_MAX + 3)], b[2 * (GLOB_MAX + 3)];
    if (!pattern || !path || glob_compile(pattern, &g) != 0)
        return 0;
    unsigned char *cur = a, *next = b;
    memset(cur, 0, 2 * (g.n + 1));
    cur[0] = 1;
    closure(&g, cur);
    for (const char *p = path; *p; p++) {
        if (*p == '/' && cur[g.n])
            return 1; /* a directory above the path matches */
        step(&g, cur, next, *p);
        unsigned char *t = cur;
        cur = next;
        next = t;
    }
    return cur[g.n] && !g.dir_only;
}
