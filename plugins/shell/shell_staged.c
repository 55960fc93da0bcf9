/*
 * shell_staged.c: files written by a download or a decoder, then run
 * (shell_staged.h). Matching is by base name, so `-o "$tmp/i.sh"` and
 * `sh ./i.sh` meet; a name built at run time is not followed, a copy or
 * rename (cp, mv, ln, install, dd) is.
 */
#include "shell_staged.h"

#include <string.h>

#include "an_text.h"

static const sh_tok_t *T(const sh_stmt_t *st, unsigned i)
{
    return &st->tok[i];
}

static const char *W(const sh_stmt_t *st, unsigned i)
{
    return st->line + T(st, i)->start;
}

/* The base name of a word (quotes, a trailing `;` and a URL's query left
 * out): what `sh ./i.sh`, `. /tmp/i.sh` and `-o "$d/i.sh"` have in common. */
static size_t word_base(const char *w, size_t n, const char **base)
{
    size_t s;
    while (n > 0 && (w[0] == '"' || w[0] == '\'' || w[0] == '\\')) {
        w++;
        n--;
    }
    while (n > 0 && (w[n - 1] == '"' || w[n - 1] == '\'' || w[n - 1] == ';' || w[n - 1] == '\\'))
        n--;
    for (size_t q = 0; q < n; q++)
        if (w[q] == '?' || w[q] == '#') {
            n = q;
            break;
        }
    s = n;
    while (s > 0 && w[s - 1] != '/')
        s--;
    *base = w + s;
    return n - s;
}

static int staged_find(const sh_staged_t *s, const char *w, size_t n)
{
    const char *b;
    size_t bn = word_base(w, n, &b);
    char var[SH_STAGED_NAME];
    if (bn > 3 && bn < sizeof var && b[0] == '$' && b[1] == '{' && b[bn - 1] == '}') {
        var[0] = '$';   /* ${X} is $X */
        memcpy(var + 1, b + 2, bn - 3);
        b = var;
        bn -= 2;
    }
    for (unsigned k = 0; bn && k < s->n; k++)
        if (s->f[k].len == bn && memcmp(s->f[k].name, b, bn) == 0)
            return (int)k;
    return -1;
}

int sh_staged_var_at(const sh_staged_t *s, const sh_stmt_t *st, unsigned i)
{
    if (!s || T(st, i)->kind != SH_WORD || W(st, i)[0] != '$')
        return -1;
    return staged_find(s, W(st, i), T(st, i)->len);
}

/* Remembers that the file named by word w (its base name) now holds
 * downloaded or decoded bytes. Standard output and /dev/ are not files. */
static void stage(sh_staged_t *s, const char *w, size_t n, int decoded)
{
    const char *b;
    size_t bn;
    int k;
    unsigned slot;
    if (!s || (n >= 5 && memcmp(w, "/dev/", 5) == 0))
        return;
    bn = word_base(w, n, &b);
    if (bn == 0 || bn >= SH_STAGED_NAME || (bn == 1 && b[0] == '-'))
        return;
    if ((k = staged_find(s, b, bn)) >= 0) {
        s->f[k].decoded = (unsigned char)decoded;
        return;
    }
    if (s->n < SH_STAGED_MAX) {
        slot = s->n++;
    } else {
        slot = s->next;
        s->next = (slot + 1) % SH_STAGED_MAX;
    }
    memcpy(s->f[slot].name, b, bn);
    s->f[slot].len = (unsigned char)bn;
    s->f[slot].decoded = (unsigned char)decoded;
}

static int word_is(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

static int is_wrapper(const sh_tok_t *t)
{
    return t->kind == SH_WORD && (t->cls == SH_C_SUDO || t->cls == SH_C_ENV || t->cls == SH_C_EXEC);
}

/* After the pipe at token p, `tee F...` (also behind sudo or env) writes
 * what came down the pipe into every file it names. */
static void stage_tee(sh_staged_t *s, const sh_stmt_t *st, unsigned p, int decoded)
{
    unsigned t = p + 1;
    while (t < st->n && (is_wrapper(T(st, t)) || (T(st, t)->kind == SH_WORD && W(st, t)[0] == '-')))
        t++;
    if (t >= st->n || T(st, t)->kind != SH_WORD || T(st, t)->cls != SH_C_TEE)
        return;
    for (unsigned k = t + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
        if (W(st, k)[0] != '-')
            stage(s, W(st, k), T(st, k)->len, decoded);
}

/* Where the download at token a writes, when not to a pipe: `-o F`,
 * `--output F`, `-sSLo F`, wget's `-O F` / `-qOF`, `--output=F`, `> F`; curl's
 * `-O` and wget/aria2c without an output name: the URL's base name. */
void sh_staged_fetch(sh_staged_t *s, const sh_stmt_t *st, unsigned a)
{
    const char *cmd = W(st, a);
    int by_name = an_find(cmd, T(st, a)->len, "curl") == (size_t)-1; /* wget, aria2c */
    char out = by_name && an_find(cmd, T(st, a)->len, "wget") != (size_t)-1 ? 'O' : 'o';
    unsigned url = st->n;
    if (!s)
        return;
    for (unsigned k = a + 1; k < st->n; k++) {
        sh_tok_kind_t kind = (sh_tok_kind_t)T(st, k)->kind;
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        const char *f;
        if (kind == SH_OP_PIPE)
            stage_tee(s, st, k, 0);
        if (kind == SH_OP_PIPE || kind == SH_OP_CLOSE)
            break;
        if (kind == SH_OP_REDIR_OUT && k + 1 < st->n && T(st, k + 1)->kind == SH_WORD) {
            stage(s, W(st, k + 1), T(st, k + 1)->len, 0);   /* every target: `2>/dev/null > F` */
            continue;
        }
        if (kind != SH_WORD)
            continue;
        if (word_is(w, n, "--output") || word_is(w, n, "--output-document")) {
            if (k + 1 < st->n && T(st, k + 1)->kind == SH_WORD)
                stage(s, W(st, k + 1), T(st, k + 1)->len, 0);
            return;
        }
        if ((n > 9 && memcmp(w, "--output=", 9) == 0) || (n > 18 && memcmp(w, "--output-document=", 18) == 0)) {
            f = (const char *)memchr(w, '=', n) + 1;
            stage(s, f, n - (size_t)(f - w), 0);
            return;
        }
        if (word_is(w, n, "--remote-name") || word_is(w, n, "--remote-name-all"))
            by_name = 1;
        if (n >= 2 && w[0] == '-' && w[1] != '-') {
            const char *o = memchr(w + 1, out, n - 1);
            if (o && o + 1 < w + n) {   /* -ofile, -qO- */
                stage(s, o + 1, n - (size_t)(o + 1 - w), 0);
                return;
            }
            if (o) {
                if (k + 1 < st->n && T(st, k + 1)->kind == SH_WORD)
                    stage(s, W(st, k + 1), T(st, k + 1)->len, 0);
                return;
            }
            if (out == 'o' && memchr(w + 1, 'O', n - 1))
                by_name = 1;   /* curl -O, -sSLO */
        }
        if (url == st->n && an_find(w, n, "://") != (size_t)-1)
            url = k;
    }
    if (by_name && url < st->n)
        stage(s, W(st, url), T(st, url)->len, 0);
}

/* The decoder at token d writes a file: `> F` anywhere after it in the
 * statement (`| gunzip > F` too), uudecode's `-o F`, openssl's `-out F`. */
void sh_staged_decode(sh_staged_t *s, const sh_stmt_t *st, unsigned d)
{
    for (unsigned k = d + 1; s && k + 1 < st->n; k++) {
        const sh_tok_t *t = T(st, k);
        if (t->kind == SH_OP_PIPE)
            stage_tee(s, st, k, 1);
        if (T(st, k + 1)->kind != SH_WORD)
            continue;
        if (t->kind == SH_OP_REDIR_OUT ||
            (t->kind == SH_WORD && (word_is(W(st, k), t->len, "-o") || word_is(W(st, k), t->len, "-out"))))
            stage(s, W(st, k + 1), T(st, k + 1)->len, 1);   /* every target: `2>/dev/null > F` */
    }
}

/* Whether token i starts a command: first of its statement, after a pipe or
 * an opening, a keyword or a wrapper (sudo, env, exec, nohup...). */
static int cmd_start(const sh_stmt_t *st, unsigned i)
{
    static const char *const keywords[] = {"then", "do", "else", "RUN", "!", "time"};
    const sh_tok_t *p;
    if (i == 0)
        return 1;
    p = T(st, i - 1);
    if (p->kind == SH_OP_PIPE || p->kind == SH_OP_SUBST || p->kind == SH_OP_GROUP || p->kind == SH_OP_PROCSUB)
        return 1;
    if (p->kind != SH_WORD)
        return 0;
    if (p->cls == SH_C_SUDO || p->cls == SH_C_ENV || p->cls == SH_C_EXEC)
        return 1;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (strlen(keywords[k]) == p->len && memcmp(W(st, i - 1), keywords[k], p->len) == 0)
            return 1;
    return 0;
}

void sh_staged_var(sh_staged_t *s, const sh_stmt_t *st, unsigned w, int decoded)
{
    char var[SH_STAGED_NAME];
    size_t n = T(st, w)->len;
    const char *a = W(st, w);
    if (!s || T(st, w)->kind != SH_WORD || n < 2 || n + 1 >= sizeof var || a[n - 1] != '=')
        return;
    for (size_t i = 0; i + 1 < n; i++)
        if (!(an_is_ident((unsigned char)a[i])))
            return;
    var[0] = '$';
    memcpy(var + 1, a, n - 1);
    stage(s, var, n, decoded);
}

/* `dd if=A of=B`: B holds what A held. */
static void copy_dd(sh_staged_t *s, const sh_stmt_t *st, unsigned i)
{
    int from = -1;
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
        if (T(st, k)->len > 3 && memcmp(W(st, k), "if=", 3) == 0)
            from = staged_find(s, W(st, k) + 3, T(st, k)->len - 3);
    for (unsigned k = i + 1; from >= 0 && k < st->n && T(st, k)->kind == SH_WORD; k++)
        if (T(st, k)->len > 3 && memcmp(W(st, k), "of=", 3) == 0)
            stage(s, W(st, k) + 3, T(st, k)->len - 3, s->f[from].decoded);
}

void sh_staged_copy(sh_staged_t *s, const sh_stmt_t *st)
{
    for (unsigned i = 0; s && s->n && i < st->n; i++) {
        if (T(st, i)->kind != SH_WORD || T(st, i)->cls != SH_C_COPY || !cmd_start(st, i))
            continue;
        if (word_is(W(st, i), T(st, i)->len, "dd")) {
            copy_dd(s, st, i);
            continue;
        }
        int from = -1;
        unsigned last = st->n;
        for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++) {
            if (W(st, k)[0] == '-')
                continue;
            if (last < st->n && from < 0)
                from = staged_find(s, W(st, last), T(st, last)->len);
            last = k;   /* the destination is the last operand */
        }
        if (from >= 0)
            stage(s, W(st, last), T(st, last)->len, s->f[from].decoded);
    }
}

int sh_staged_run(const sh_staged_t *s, const sh_stmt_t *st, unsigned *cmd, unsigned *arg)
{
    for (unsigned i = 0; i < st->n; i++) {
        const sh_tok_t *t = T(st, i);
        unsigned at = i;
        int k = -1;
        if (t->kind != SH_WORD)
            continue;
        if (t->cls == SH_C_SHELL || t->cls == SH_C_INTERP || t->cls == SH_C_EVAL) {
            for (unsigned j = i + 1; j < st->n && T(st, j)->kind == SH_WORD; j++) {
                const char *w = W(st, j);
                size_t n = T(st, j)->len;
                if (w[0] == '-') {
                    if (n == 2 && (w[1] == 'c' || w[1] == 'e' || w[1] == 'm')) {
                        /* a program in the argument: a remembered variable's (`sh -c "$X"`) */
                        if (j + 1 < st->n && T(st, j + 1)->kind == SH_WORD && W(st, j + 1)[0] == '$') {
                            k = staged_find(s, W(st, j + 1), T(st, j + 1)->len);
                            at = j + 1;
                        }
                        break;
                    }
                    continue;
                }
                k = staged_find(s, w, n);
                at = j;
                break;
            }
        } else if (cmd_start(st, i) && memchr(W(st, i), '/', t->len)) {
            k = staged_find(s, W(st, i), t->len);
        }
        if (k >= 0) {
            *cmd = i;
            *arg = at;
            return k;
        }
    }
    return -1;
}
