/*
 * an_command.c: which files a job command runs as a program (an_command.h).
 */
#include "an_command.h"

#include <string.h>

#define WORD_MAX 256
#define WORDS_MAX 16

typedef struct {
    char w[WORDS_MAX][WORD_MAX];
    size_t n[WORDS_MAX];
    unsigned count;
    char dir[WORD_MAX];   /* `cd DIR` of an earlier statement: relative paths are under it */
    size_t dir_len;
} stmt_t;

static int is_sep(char c)
{
    return c == ';' || c == '&' || c == '|' || c == '\n' || c == '(' || c == ')' || c == '`';
}

static int word_eq(const stmt_t *s, unsigned i, const char *lit)
{
    return strlen(lit) == s->n[i] && memcmp(s->w[i], lit, s->n[i]) == 0;
}

/* The base name of word i is one of lits. */
static int base_in(const stmt_t *s, unsigned i, const char *const *lits, size_t count)
{
    const char *b = memrchr(s->w[i], '/', s->n[i]);
    size_t off = b ? (size_t)(b + 1 - s->w[i]) : 0;
    for (size_t k = 0; k < count; k++)
        if (strlen(lits[k]) == s->n[i] - off && memcmp(s->w[i] + off, lits[k], s->n[i] - off) == 0)
            return 1;
    return 0;
}

static void emit_path(const stmt_t *s, const char *w, size_t n, an_cmd_target_fn fn, void *ud)
{
    char buf[2 * WORD_MAX];
    while (n >= 2 && w[0] == '.' && w[1] == '/') {
        w += 2;
        n -= 2;
    }
    if (n == 0)
        return;
    if (s->dir_len && w[0] != '/') {   /* cd tools && ./notes: tools/notes */
        memcpy(buf, s->dir, s->dir_len);
        memcpy(buf + s->dir_len, w, n);
        w = buf;
        n += s->dir_len;
    }
    fn(ud, w, n);
}

/* `cd DIR` (relative, plain): later relative paths are under DIR. Anything
 * else (`cd /x`, `cd ..`, `cd -`, `cd "$d"`) forgets the directory. */
static void change_dir(stmt_t *s, unsigned i)
{
    if (i >= s->count) {
        s->dir_len = 0;   /* `cd` alone: home */
        return;
    }
    const char *d = s->w[i];
    size_t n = s->n[i];
    while (n >= 2 && d[0] == '.' && d[1] == '/') {
        d += 2;
        n -= 2;
    }
    while (n > 0 && d[n - 1] == '/')
        n--;
    if (n == 0 || d[0] == '/' || d[0] == '-' || d[0] == '~' || d[0] == '$' ||
        memmem(d, n, "..", 2) || s->dir_len + n + 1 >= sizeof s->dir) {
        s->dir_len = 0;
        return;
    }
    memcpy(s->dir + s->dir_len, d, n);
    s->dir_len += n;
    s->dir[s->dir_len++] = '/';
}

static void statement(stmt_t *s, const char *const *runners, size_t n_runners, int dot_slash,
                      an_cmd_target_fn fn, void *ud)
{
    static const char *const wrappers[] = {"sudo", "doas", "env", "exec", "command", "nohup", "setsid",
                                           "timeout", "nice", "stdbuf", "time", "busybox", "then", "do",
                                           "else", "!"};
    unsigned i = 0;
    while (i < s->count) {
        if (memchr(s->w[i], '=', s->n[i]) || base_in(s, i, wrappers, sizeof wrappers / sizeof wrappers[0]) ||
            (i > 0 && (s->w[i][0] == '-' || (s->w[i][0] >= '0' && s->w[i][0] <= '9')))) {
            i++;   /* VAR=value, a wrapper, a wrapper's flags and numbers */
            continue;
        }
        break;
    }
    if (i >= s->count)
        return;
    if (word_eq(s, i, "cd")) {
        change_dir(s, i + 1);
        return;
    }
    if (base_in(s, i, runners, n_runners)) {
        for (unsigned k = i + 1; k < s->count; k++) {
            const char *w = s->w[k];
            if (word_eq(s, k, "-c") || word_eq(s, k, "-m") || word_eq(s, k, "-e") ||
                (s->n[k] >= 2 && w[0] == '<' && w[1] == '<'))
                return;   /* a program in the argument, a module, a here-document: no file */
            if (w[0] == '<') {   /* `sh < F`, `sh <F`: the script on stdin */
                if (s->n[k] > 1)
                    emit_path(s, w + 1, s->n[k] - 1, fn, ud);
                else if (k + 1 < s->count)
                    emit_path(s, s->w[k + 1], s->n[k + 1], fn, ud);
                return;
            }
            if (w[0] == '>' || (s->n[k] >= 2 && w[0] >= '0' && w[0] <= '9' && w[1] == '>')) {
                k += s->n[k] == 1 || (s->n[k] == 2 && w[1] == '>');   /* `> F`: its target too */
                continue;
            }
            if (word_eq(s, k, "-"))
                continue;   /* the script on stdin: a `<` may follow */
            if (w[0] != '-') {
                emit_path(s, w, s->n[k], fn, ud);
                return;
            }
        }
        return;
    }
    if (dot_slash && s->n[i] > 2 && s->w[i][0] == '.' && s->w[i][1] == '/')
        emit_path(s, s->w[i], s->n[i], fn, ud);
}

void an_cmd_targets(const char *text, size_t len, const char *const *runners, size_t n_runners, int dot_slash,
                    an_cmd_target_fn fn, void *ud)
{
    stmt_t s;
    char quote = 0;
    int in_word = 0;
    s.count = 0;
    s.dir_len = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? text[i] : '\n';
        if (quote) {
            if (c == quote)
                quote = 0;
            else if (s.count < WORDS_MAX && s.n[s.count] < WORD_MAX - 1)
                s.w[s.count][s.n[s.count]++] = c;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            if (!in_word && s.count < WORDS_MAX) {
                s.n[s.count] = 0;
                in_word = 1;
            }
            continue;
        }
        if (c == ' ' || c == '\t' || is_sep(c)) {
            if (in_word && s.count < WORDS_MAX)
                s.count++;
            in_word = 0;
            if (is_sep(c)) {
                statement(&s, runners, n_runners, dot_slash, fn, ud);
                s.count = 0;
            }
            continue;
        }
        if (!in_word && s.count < WORDS_MAX) {
            s.n[s.count] = 0;
            in_word = 1;
        }
        if (in_word && s.count < WORDS_MAX && s.n[s.count] < WORD_MAX - 1)
            s.w[s.count][s.n[s.count]++] = c;
    }
}

void an_cmd_runs_add(void *ud, const char *path, size_t len)
{
    an_cmd_runs_t *r = ud;
    if (r->n < AN_CMD_RUNS_MAX && len < AN_CMD_RUN_PATH_MAX) {
        memcpy(r->path[r->n], path, len);
        r->path[r->n++][len] = '\0';
    }
}

int an_cmd_runs_has(const an_cmd_runs_t *r, const char *path)
{
    for (unsigned i = 0; i < r->n; i++)
        if (strcmp(r->path[i], path) == 0)
            return 1;
    return 0;
}
