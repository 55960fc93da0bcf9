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

static int staged_find_role(const sh_staged_t *s, const char *w, size_t n, sh_staged_role_t role)
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
        if (s->f[k].len == bn && s->f[k].role == role && memcmp(s->f[k].name, b, bn) == 0)
            return (int)k;
    return -1;
}

static int staged_find(const sh_staged_t *s, const char *w, size_t n)
{
    return staged_find_role(s, w, n, SH_STAGED_CODE);
}

int sh_staged_var_at(const sh_staged_t *s, const sh_stmt_t *st, unsigned i)
{
    if (!s || T(st, i)->kind != SH_WORD || W(st, i)[0] != '$')
        return -1;
    return staged_find(s, W(st, i), T(st, i)->len);
}

/* Remembers the name word w (its base name) in a role: for a file, that it
 * now holds downloaded or decoded bytes. Standard output and /dev/ are not
 * files. */
static void stage_role(sh_staged_t *s, const char *w, size_t n, int decoded, sh_staged_role_t role)
{
    const char *b;
    size_t bn;
    int k;
    unsigned slot;
    if (!s || (n >= 5 && memcmp(w, "/dev/", 5) == 0 && !(n > 9 && memcmp(w, "/dev/shm/", 9) == 0)))
        return;   /* /dev/null, /dev/stdout: no file; /dev/shm/x is one */
    bn = word_base(w, n, &b);
    if (bn == 0 || bn >= SH_STAGED_NAME || (bn == 1 && b[0] == '-'))
        return;
    if ((k = staged_find_role(s, b, bn, role)) >= 0) {
        s->f[k].decoded = (unsigned char)decoded;
        s->f[k].in_path |= memmem(w, n, "/bin/", 5) != NULL;
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
    s->f[slot].role = (unsigned char)role;
    s->f[slot].in_path = memmem(w, n, "/bin/", 5) != NULL;   /* runs by its bare name */
}

static void stage(sh_staged_t *s, const char *w, size_t n, int decoded)
{
    stage_role(s, w, n, decoded, SH_STAGED_CODE);
}

void sh_staged_file(sh_staged_t *s, const char *w, size_t n)
{
    stage(s, w, n, 0);
}

static int word_is(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

static int is_wrapper(const sh_tok_t *t)
{
    return t->kind == SH_WORD && (t->cls == SH_C_SUDO || t->cls == SH_C_ENV || t->cls == SH_C_EXEC);
}

/* After the pipe at token p, what came down the pipe is written to files:
 * `tee F...` (also behind sudo or env) into every file it names;
 * `cp /dev/stdin F`, `install -m 755 /dev/stdin F` into the last operand;
 * `dd of=F` (no if=: it reads stdin) into F. */
static void stage_tee(sh_staged_t *s, const sh_stmt_t *st, unsigned p, int decoded)
{
    unsigned t = p + 1, last = st->n;
    int from_stdin = 0;
    while (t < st->n && (is_wrapper(T(st, t)) || (T(st, t)->kind == SH_WORD && W(st, t)[0] == '-')))
        t++;
    if (t >= st->n || T(st, t)->kind != SH_WORD)
        return;
    if (T(st, t)->cls == SH_C_TEE) {
        for (unsigned k = t + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
            if (W(st, k)[0] != '-')
                stage(s, W(st, k), T(st, k)->len, decoded);
        return;
    }
    if (T(st, t)->cls != SH_C_COPY)
        return;
    from_stdin = word_is(W(st, t), T(st, t)->len, "dd");
    for (unsigned k = t + 1; k < st->n && T(st, k)->kind == SH_WORD; k++) {
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        if (from_stdin && n > 3 && memcmp(w, "if=", 3) == 0)
            return;   /* dd reads a file, not the pipe */
        if (n > 3 && memcmp(w, "of=", 3) == 0)
            last = k;
        else if (sh_stdin_path(w, n) || word_is(w, n, "-"))
            from_stdin = 1;
        else if (w[0] != '-' && !memchr(w, '=', n))
            last = k;
    }
    if (from_stdin && last < st->n) {
        const char *w = W(st, last);
        size_t n = T(st, last)->len;
        if (n > 3 && memcmp(w, "of=", 3) == 0)
            stage(s, w + 3, n - 3, decoded);
        else
            stage(s, w, n, decoded);
    }
}

/* Whether the downloader's name (its base name) is one of lits. */
static int tool_is(const char *w, size_t n, const char *const *lits, size_t count)
{
    const char *b;
    size_t bn = word_base(w, n, &b);
    for (size_t k = 0; k < count; k++)
        if (word_is(b, bn, lits[k]))
            return 1;
    return 0;
}

/* Where the download at token a writes, when not to a pipe: `-o F`,
 * `--output F`, `-sSLo F`, wget's `-O F` / `-qOF`, `--output=F`, `> F`,
 * lwp-download's second operand; curl's `-O` and the tools that save by
 * default without an output name: the URL's base name. */
int sh_staged_fetch(sh_staged_t *s, const sh_stmt_t *st, unsigned a)
{
    static const char *const saving[] = {"wget", "wget2", "aria2c", "fetch", "axel", "lwp-download", "DOWNLOAD",
                                         "ADD"};
    static const char *const capital_o[] = {"wget", "wget2"};
    static const char *const long_dash[] = {"lynx", "w3m", "elinks", "links"};   /* -source, -dump */
    const char *cmd = W(st, a);
    size_t cn = T(st, a)->len;
    int by_name = tool_is(cmd, cn, saving, sizeof saving / sizeof saving[0]);
    int positional = tool_is(cmd, cn, saving + 5, 3);   /* lwp-download URL F, file(DOWNLOAD URL F), ADD URL F */
    char out = tool_is(cmd, cn, capital_o, 2) ? 'O' : 'o';
    int short_flags = !tool_is(cmd, cn, long_dash, sizeof long_dash / sizeof long_dash[0]);
    int to_stdout = !by_name;
    unsigned url = st->n;
    if (!s)
        return 0;
    for (unsigned k = a + 1; k < st->n; k++) {
        sh_tok_kind_t kind = (sh_tok_kind_t)T(st, k)->kind;
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        const char *f;
        if (kind == SH_OP_PIPE)
            stage_tee(s, st, k, 0);
        if (kind == SH_OP_PIPE || kind == SH_OP_CLOSE)
            return kind == SH_OP_CLOSE && to_stdout;
        if (kind == SH_OP_REDIR_OUT && k + 1 < st->n && T(st, k + 1)->kind == SH_WORD) {
            stage(s, W(st, k + 1), T(st, k + 1)->len, 0);   /* every target: `2>/dev/null > F` */
            if (!(T(st, k - 1)->kind == SH_WORD && T(st, k - 1)->len == 1 && W(st, k - 1)[0] == '2' &&
                  T(st, k - 1)->start + 1 == T(st, k)->start))
                to_stdout = 0;   /* not `2>`: standard output goes to the file */
            continue;
        }
        if (kind != SH_WORD)
            continue;
        if (word_is(w, n, "--output") || word_is(w, n, "--output-document")) {
            if (k + 1 < st->n && T(st, k + 1)->kind == SH_WORD)
                stage(s, W(st, k + 1), T(st, k + 1)->len, 0);
            return k + 1 < st->n && word_is(W(st, k + 1), T(st, k + 1)->len, "-");
        }
        if ((n > 9 && memcmp(w, "--output=", 9) == 0) || (n > 18 && memcmp(w, "--output-document=", 18) == 0)) {
            f = (const char *)memchr(w, '=', n) + 1;
            stage(s, f, n - (size_t)(f - w), 0);
            return word_is(f, n - (size_t)(f - w), "-");
        }
        if (word_is(w, n, "--remote-name") || word_is(w, n, "--remote-name-all"))
            by_name = 1;
        if (short_flags && n >= 2 && w[0] == '-' && w[1] != '-') {
            const char *o = memchr(w + 1, out, n - 1);
            if (o && o + 1 < w + n) {   /* -ofile, -qO- */
                stage(s, o + 1, n - (size_t)(o + 1 - w), 0);
                return word_is(o + 1, n - (size_t)(o + 1 - w), "-");
            }
            if (o) {
                if (k + 1 < st->n && T(st, k + 1)->kind == SH_WORD)
                    stage(s, W(st, k + 1), T(st, k + 1)->len, 0);
                return k + 1 < st->n && word_is(W(st, k + 1), T(st, k + 1)->len, "-");
            }
            if (out == 'o' && memchr(w + 1, 'O', n - 1))
                by_name = 1;   /* curl -O, -sSLO */
        }
        if (url == st->n && an_find(w, n, "://") != (size_t)-1) {
            url = k;
        } else if (positional && url < st->n && w[0] != '-') {
            stage(s, w, n, 0);   /* lwp-download URL FILE */
            return 0;
        }
    }
    if (by_name && url < st->n) {
        stage(s, W(st, url), T(st, url)->len, 0);
        to_stdout = 0;
    }
    return to_stdout;
}

/* scp/rsync SRC... DEST: the last operand, when it is local (no `host:`). */
void sh_staged_netcopy(sh_staged_t *s, const sh_stmt_t *st, unsigned a)
{
    static const char *const cloud[] = {"aws", "gsutil", "s3cmd", "rclone"};
    unsigned last = st->n, operands = 0;
    int copier, remote = 0;
    if (!s || T(st, a)->cls != SH_C_NETCOPY)
        return;
    copier = word_is(W(st, a), T(st, a)->len, "scp") || word_is(W(st, a), T(st, a)->len, "rsync");
    if (!copier && !tool_is(W(st, a), T(st, a)->len, cloud, sizeof cloud / sizeof cloud[0]))
        return;
    for (unsigned k = a + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
        if (W(st, k)[0] != '-') {
            last = k;
            operands++;
            remote |= memmem(W(st, k), T(st, k)->len, "://", 3) != NULL;   /* s3://, gs:// */
        }
    if ((copier || remote) && operands >= 2 && !memchr(W(st, last), ':', T(st, last)->len))
        stage(s, W(st, last), T(st, last)->len, 0);
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
        if (T(st, i)->kind != SH_WORD || T(st, i)->cls != SH_C_COPY || !sh_command_start(st, i))
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
        } else if (sh_command_start(st, i) && memchr(W(st, i), '/', t->len)) {
            k = staged_find(s, W(st, i), t->len);
        } else if (sh_command_start(st, i) && (k = staged_find(s, W(st, i), t->len)) >= 0 && !s->f[k].in_path) {
            k = -1;   /* a bare name runs only what sits in a bin directory (ADD URL /usr/local/bin/x) */
        }
        if (k >= 0) {
            *cmd = i;
            *arg = at;
            return k;
        }
    }
    return -1;
}

/* `export`, `local`, `readonly`, `declare`: assignments follow. */
static int declaration(const sh_stmt_t *st, unsigned i)
{
    static const char *const decl[] = {"export", "local", "readonly", "declare", "typeset"};
    for (size_t k = 0; k < sizeof decl / sizeof decl[0]; k++)
        if (word_is(W(st, i), T(st, i)->len, decl[k]))
            return 1;
    return 0;
}

/* A value that cannot expand to nothing: it starts with literal text, or it
 * holds literal text after a leading expansion ("$BASE/tmp"), or it is
 * ${X:-default} / ${X:?}. */
static int value_never_empty(const char *v, size_t n)
{
    size_t i = 0;
    if (n == 0)
        return 0;
    if (v[0] != '$' && v[0] != '`')
        return 1;
    if (n > 2 && v[1] == '{') {
        const char *close = memchr(v, '}', n);
        if (memmem(v, n, ":?", 2) || (memmem(v, n, ":-", 2) && close && close[-1] != '-'))
            return 1;
        i = close ? (size_t)(close - v) + 1 : n;
    } else if (n > 1 && v[1] == '(') {
        return 0;   /* $(cmd) may print nothing */
    } else {
        for (i = 1; i < n && an_is_ident((unsigned char)v[i]); i++)
            ;
    }
    return i < n && v[i] != '$' && v[i] != '`';
}

static void remember_const(sh_staged_t *s, const char *var, size_t n)
{
    unsigned slot;
    if (n >= SH_STAGED_CONST_NAME)
        return;
    for (unsigned k = 0; k < s->n_const; k++)
        if (s->konst[k].len == n && memcmp(s->konst[k].name, var, n) == 0)
            return;
    if (s->n_const < SH_STAGED_MAX) {
        slot = s->n_const++;
    } else {
        slot = s->next_const;
        s->next_const = (slot + 1) % SH_STAGED_MAX;
    }
    memcpy(s->konst[slot].name, var, n);
    s->konst[slot].len = (unsigned char)n;
}

/* A later assignment of a value that may be empty forgets it. */
static void forget_const(sh_staged_t *s, const char *var, size_t n)
{
    for (unsigned k = 0; k < s->n_const; k++)
        if (s->konst[k].len == n && memcmp(s->konst[k].name, var, n) == 0)
            s->konst[k].len = 0;
}

int sh_staged_never_empty(const sh_staged_t *s, const sh_stmt_t *st, unsigned i)
{
    const char *w = W(st, i);
    size_t n = T(st, i)->len;
    char var[SH_STAGED_CONST_NAME];
    if (!s || T(st, i)->kind != SH_WORD || n < 2 || w[0] != '$')
        return 0;
    if (n > 3 && w[1] == '{' && w[n - 1] == '}') {
        if (memmem(w, n, ":?", 2))
            return 1;
        if (n - 3 + 1 >= sizeof var)
            return 0;
        var[0] = '$';   /* ${X} is $X */
        memcpy(var + 1, w + 2, n - 3);
        w = var;
        n -= 2;
    }
    for (unsigned k = 0; k < s->n_const; k++)
        if (s->konst[k].len == n && memcmp(s->konst[k].name, w, n) == 0)
            return 1;
    return 0;
}

void sh_staged_assign(sh_staged_t *s, const sh_stmt_t *st)
{
    for (unsigned i = 0; s && i < st->n && T(st, i)->kind == SH_WORD; i++) {
        const char *w = W(st, i), *eq = memchr(w, '=', T(st, i)->len), *v;
        size_t name = eq ? (size_t)(eq - w) : 0, vn;
        char var[SH_STAGED_NAME];
        sh_class_t cls;
        int k;
        if (!eq) {
            if (i == 0 && declaration(st, i))
                continue;
            return;
        }
        if (name == 0 || name + 1 >= sizeof var)
            return;
        for (size_t c = 0; c < name; c++)
            if (!an_is_ident((unsigned char)w[c]))
                return;
        v = eq + 1;
        vn = T(st, i)->len - name - 1;
        if (vn == 0 && i + 1 < st->n && T(st, i + 1)->kind == SH_WORD &&
            T(st, i + 1)->start == T(st, i)->start + T(st, i)->len + 1) {
            v = W(st, i + 1);   /* Y="$X": the quote split the word */
            vn = T(st, i + 1)->len;
            i++;
        }
        var[0] = '$';
        memcpy(var + 1, w, name);
        if (vn > 1 && v[0] == '$' && (k = staged_find(s, v, vn)) >= 0)
            stage(s, var, name + 1, s->f[k].decoded);
        else if (vn > 0 && ((cls = sh_word_class(v, vn)) == SH_C_SHELL || cls == SH_C_INTERP))
            stage_role(s, var, name + 1, 0, SH_STAGED_RUNNER);
        if (value_never_empty(v, vn))
            remember_const(s, var, name + 1);
        else
            forget_const(s, var, name + 1);
    }
}

int sh_staged_runner_var(const sh_staged_t *s, const sh_stmt_t *st, unsigned i)
{
    return s && T(st, i)->kind == SH_WORD && W(st, i)[0] == '$' &&
           staged_find_role(s, W(st, i), T(st, i)->len, SH_STAGED_RUNNER) >= 0;
}

int sh_staged_fetcher(const sh_staged_t *s, const sh_stmt_t *st, unsigned i)
{
    return s && T(st, i)->kind == SH_WORD && staged_find_role(s, W(st, i), T(st, i)->len, SH_STAGED_FETCHER) >= 0;
}

void sh_staged_end(sh_staged_t *s, const sh_stmt_t *st)
{
    const char *name;
    size_t len;
    if (s && sh_compound_end(&s->cmp, st, &name, &len)) {
        char copy[SH_FUNC_NAME];
        memcpy(copy, name, len);   /* name points into s->cmp */
        stage_role(s, copy, len, 0, SH_STAGED_FETCHER);
    }
}

void sh_staged_assign_line(sh_staged_t *s, const char *line, size_t n)
{
    static const char *const decl[] = {"export ", "local ", "readonly ", "declare "};
    size_t i = an_skip_space(line, n, 0), name, v, e;
    char var[SH_STAGED_CONST_NAME];
    if (!s || !memchr(line, '=', n))
        return;   /* no assignment (most lines the prefilter passes over) */
    for (size_t k = 0; k < sizeof decl / sizeof decl[0]; k++)
        if (n - i > strlen(decl[k]) && memcmp(line + i, decl[k], strlen(decl[k])) == 0)
            i = an_skip_space(line, n, i + strlen(decl[k]));
    for (name = i; name < n && an_is_ident((unsigned char)line[name]); name++)
        ;
    if (!s || name == i || name >= n || line[name] != '=' || name - i + 1 >= sizeof var)
        return;
    v = name + 1;
    if (v < n && (line[v] == '"' || line[v] == '\'')) {
        const char *q = memchr(line + v + 1, line[v], n - v - 1);
        e = q ? (size_t)(q - line) : n;
        v++;
    } else {
        for (e = v; e < n && !an_is_space((unsigned char)line[e]) && line[e] != ';'; e++)
            ;
    }
    var[0] = '$';
    memcpy(var + 1, line + i, name - i);
    if (value_never_empty(line + v, e - v))
        remember_const(s, var, name - i + 1);
    else
        forget_const(s, var, name - i + 1);
}

int sh_staged_any(const sh_staged_t *s)
{
    return s && (s->n || s->cmp.out_level || s->cmp.fed_level);
}
