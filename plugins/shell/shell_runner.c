/*
 * shell_runner.c: who runs what a statement hands it (shell_runner.h).
 */
#include "shell_runner.h"

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

static int is_word(const sh_stmt_t *st, unsigned i, const char *lit)
{
    size_t m = strlen(lit);
    return i < st->n && T(st, i)->kind == SH_WORD && T(st, i)->len == m &&
           memcmp(st->line + T(st, i)->start, lit, m) == 0;
}

/* The command word after token i: skips wrappers (sudo, env, exec, busybox,
 * nohup, timeout...), their flags and numbers, and VAR=value words. Returns
 * the index or st->n. */
/* sudo's options that take a value (`sudo -u root sh`): the value is no command. */
static int sudo_option_with_value(const sh_stmt_t *st, unsigned j)
{
    static const char *const opts[] = {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T",
                                       "--user", "--group", "--chdir", "--host", "--prompt"};
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
        if (strlen(opts[k]) == T(st, j)->len && memcmp(W(st, j), opts[k], T(st, j)->len) == 0)
            return 1;
    return 0;
}

/* Wrappers whose first operand is theirs, not the command's (`flock LOCK sh`,
 * `chroot DIR sh`). */
static int wrapper_with_operand(const sh_stmt_t *st, unsigned j)
{
    return is_word(st, j, "flock") || is_word(st, j, "chroot");
}

unsigned sh_cmd_after(const sh_stmt_t *st, unsigned i)
{
    int wrapper = 0, sudo = 0, operand = 0;
    for (unsigned j = i + 1; j < st->n; j++) {
        const sh_tok_t *t = T(st, j);
        if (t->kind != SH_WORD)
            return st->n;
        if (t->cls == SH_C_SUDO || t->cls == SH_C_ENV || t->cls == SH_C_EXEC || is_word(st, j, "time")) {
            wrapper = 1;
            sudo = t->cls == SH_C_SUDO;
            operand = wrapper_with_operand(st, j);
            continue;
        }
        if (sudo && sudo_option_with_value(st, j)) {
            j++;   /* and its value */
            continue;
        }
        if (memchr(W(st, j), '=', t->len) ||
            (wrapper && (W(st, j)[0] == '-' || (W(st, j)[0] >= '0' && W(st, j)[0] <= '9'))))
            continue;   /* VAR=value, a wrapper's flags and numbers (timeout 60, nice -n 5) */
        if (operand) {
            operand = 0;   /* flock's lock file, chroot's directory */
            continue;
        }
        return j;
    }
    return st->n;
}

int sh_is_runner(const sh_tok_t *t)
{
    return t->cls == SH_C_SHELL || t->cls == SH_C_INTERP;
}

/* Whether text holds one of lits. */
static int holds_any(const char *s, size_t n, const char *const *lits, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (an_find(s, n, lits[k]) != (size_t)-1)
            return 1;
    return 0;
}

/* The program given inline after the flag at k (`-c`, `-e`) reads stdin and
 * runs it: `sh -c "$(cat)"`, `bash -c 'eval "$(cat -)"'`, `python3 -c
 * 'exec(sys.stdin.read())'`, `perl -e 'eval join "", <STDIN>'`. The text
 * runs to the end of the line (a quoted program may hold `;`). */
static int program_runs_stdin(const sh_stmt_t *st, unsigned j, unsigned k)
{
    static const char *const cat[] = {"$(cat", "`cat", "$(<"};
    static const char *const reads[] = {"/dev/stdin", "sys.stdin", "<STDIN>", "readFileSync(0", "process.stdin",
                                        "STDIN.read", "$stdin", "/dev/fd/0", "io.read", "stdin"};
    static const char *const runs[] = {"exec(", "eval", "Function(", "system(", "compile(", "loadstring(",
                                       "source "};   /* not json.load( */
    size_t from = T(st, k)->start + T(st, k)->len;
    const char *p = st->line + from;
    size_t n = st->line_len > from ? st->line_len - from : 0;
    if (T(st, j)->cls == SH_C_SHELL && holds_any(p, n, cat, sizeof cat / sizeof cat[0]))
        return 1;
    return holds_any(p, n, reads, sizeof reads / sizeof reads[0]) &&
           holds_any(p, n, runs, sizeof runs / sizeof runs[0]);
}

/* Whether the interpreter at j reads its program from stdin. */
int sh_runs_stdin(const sh_stmt_t *st, unsigned j)
{
    for (unsigned k = j + 1; k < st->n && T(st, k)->kind == SH_WORD; k++) {
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        if ((n == 1 && w[0] == '-') || sh_stdin_path(w, n))
            return 1;
        if (w[0] != '-' && (an_is_ident((unsigned char)w[0]) || strchr("./~$", w[0])))
            return 0; /* a script file: stdin is data */
        if (w[0] != '-')
            return 1; /* punctuation of the enclosing JSON/YAML */
        if (n == 2 && (w[1] == 'c' || w[1] == 'e'))
            return program_runs_stdin(st, j, k);
        if (n == 2 && w[1] == 'm')
            return 0;
        if (w[1] != '-' && memchr(w, 's', n))
            return 1;
    }
    return 1;
}

/* `| awk '{ system($0) }'`, `| awk '{ print | "sh" }'`: awk running its
 * input lines as commands. */
static int awk_runs(const sh_stmt_t *st, unsigned j)
{
    static const char *const awks[] = {"awk", "gawk", "mawk", "nawk"};
    static const char *const runs[] = {"system(", "| \"sh", "|\"sh", "| \"bash", "|\"bash", "| \"/bin/"};
    size_t from = T(st, j)->start + T(st, j)->len;
    for (size_t k = 0; k < sizeof awks / sizeof awks[0]; k++)
        if (is_word(st, j, awks[k]))
            return holds_any(st->line + from, st->line_len - from, runs, sizeof runs / sizeof runs[0]);
    return 0;
}

/* A word that is only an escaped quote: `\"` of a command inside a JSON or
 * YAML string ("sh -c \"$(...)\""), where the quote is the outer string's. */
static int escaped_quote(const sh_stmt_t *st, unsigned i)
{
    const char *w = W(st, i);
    return T(st, i)->kind == SH_WORD && T(st, i)->len == 2 && w[0] == '\\' && (w[1] == '"' || w[1] == '\'');
}

/* The command of the pipeline segment holding token t (after wrappers). */
static unsigned segment_cmd(const sh_stmt_t *st, unsigned t)
{
    unsigned p = t;
    while (p > 0 && T(st, p - 1)->kind != SH_OP_PIPE && T(st, p - 1)->kind != SH_OP_GROUP)
        p--;
    if (T(st, p)->kind == SH_WORD && !(T(st, p)->cls == SH_C_SUDO || T(st, p)->cls == SH_C_ENV ||
                                       T(st, p)->cls == SH_C_EXEC))
        return p;
    return p < st->n ? sh_cmd_after(st, p) : st->n;
}

/* `sh <<< "$(curl …)"`, `sh < <(curl …)`, `. /dev/stdin <<< "$(curl …)"`:
 * the input redirected at token r feeds a runner that reads its program
 * from stdin. The runner's index, or st->n. */
static unsigned runner_fed(const sh_stmt_t *st, unsigned r)
{
    unsigned j = segment_cmd(st, r);
    if (j >= r || T(st, j)->kind != SH_WORD)
        return st->n;
    if (sh_is_runner(T(st, j)) && sh_runs_stdin(st, j))
        return j;
    if (T(st, j)->cls == SH_C_EVAL && j + 1 < st->n && T(st, j + 1)->kind == SH_WORD &&
        sh_stdin_path(W(st, j + 1), T(st, j + 1)->len))
        return j;
    return st->n;
}

/* `sh -c "$(curl`, `eval "$(curl`, `bash <(curl`: the runner before token t,
 * or st->n. */
unsigned sh_runner_before(const sh_stmt_t *st, unsigned t)
{
    unsigned open = t;
    while (t >= 1 && escaped_quote(st, t - 1))
        t--;
    if (t >= 1 && T(st, t - 1)->cls == SH_C_EVAL)
        return t - 1;
    if (t >= 1 && T(st, t - 1)->kind == SH_OP_REDIR_IN)
        return runner_fed(st, t - 1);
    if (T(st, open)->kind == SH_OP_PROCSUB && t >= 1 && sh_is_runner(T(st, t - 1)))
        return t - 1;
    if (t >= 2 && sh_is_runner(T(st, t - 2)) && W(st, t - 1)[0] == '-' && T(st, t - 1)->len == 2)
        return t - 2;
    return st->n;
}

/* The $( / ` / <( that opens the substitution holding token i, or st->n. */
unsigned sh_enclosing_subst(const sh_stmt_t *st, unsigned i)
{
    int depth = 0;
    for (unsigned k = i; k-- > 0;) {
        sh_tok_kind_t kind = (sh_tok_kind_t)T(st, k)->kind;
        if (kind == SH_OP_CLOSE)
            depth++;
        else if ((kind == SH_OP_SUBST || kind == SH_OP_PROCSUB || kind == SH_OP_GROUP) && depth-- == 0)
            return kind == SH_OP_GROUP ? st->n : k;
    }
    return st->n;
}

/* `| xargs [-0] [-I {}] sh -c`: xargs hands what came down the pipe to the
 * shell as its program. The shell's index, or st->n. */
static unsigned xargs_shell(const sh_stmt_t *st, unsigned x)
{
    static const char *const with_value[] = {"-I", "-n", "-d", "-L", "-P", "-s", "-E", "-a"};
    if (x >= st->n || !is_word(st, x, "xargs"))
        return st->n;
    for (unsigned j = x + 1; j < st->n && T(st, j)->kind == SH_WORD; j++) {
        if (W(st, j)[0] == '-') {
            for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
                if (is_word(st, j, with_value[k]))
                    j++;
            continue;
        }
        return sh_is_runner(T(st, j)) && j + 1 < st->n && is_word(st, j + 1, "-c") ? j : st->n;
    }
    return st->n;
}

/* A runner's name spelled across quotes or escapes (`b""ash`, `'ba'sh`,
 * `ba\sh`): word j glued to the words that follow it with only quotes
 * between. Whether the glued name is a runner; *last is its last word. */
static int glued_runner(const sh_stmt_t *st, unsigned j, unsigned *last)
{
    char name[32];
    size_t n = 0;
    unsigned k = j;
    int escaped = 0;
    sh_class_t cls;
    for (;;) {
        const char *w = W(st, k);
        size_t end;
        for (size_t i = 0; i < T(st, k)->len; i++) {
            if (w[i] == '\\') {
                escaped = 1;
                continue;
            }
            if (n + 1 >= sizeof name)
                return 0;
            name[n++] = w[i];
        }
        if (k + 1 >= st->n || T(st, k + 1)->kind != SH_WORD)
            break;
        end = T(st, k)->start + T(st, k)->len;
        for (size_t g = end; g < T(st, k + 1)->start; g++)
            if (st->line[g] != '"' && st->line[g] != '\'')
                goto glued;
        k++;
    }
glued:
    if (k == j && !escaped)
        return 0;
    cls = sh_word_class(name, n);
    *last = k;
    return cls == SH_C_SHELL || cls == SH_C_INTERP;
}

/* `| "$(which sh)"`, `| $(command -v bash)`, `` | `type -P sh` ``: the runner
 * named by a lookup in the substitution at j; *end is its closing token. */
static unsigned looked_up_runner(const sh_stmt_t *st, unsigned j, unsigned *end)
{
    unsigned k = j + 1;
    if (j >= st->n || T(st, j)->kind != SH_OP_SUBST || k >= st->n ||
        !(is_word(st, k, "which") || is_word(st, k, "command") || is_word(st, k, "type") ||
          is_word(st, k, "whereis")))
        return st->n;
    for (k++; k < st->n && T(st, k)->kind == SH_WORD && W(st, k)[0] == '-'; k++)
        ;
    if (k + 1 < st->n && T(st, k)->kind == SH_WORD && sh_is_runner(T(st, k)) &&
        (T(st, k + 1)->kind == SH_OP_CLOSE || T(st, k + 1)->kind == SH_OP_SUBST)) {
        *end = k + 1;
        return k;
    }
    return st->n;
}

/* Whether the words after j (to the segment's end) are all options. */
static int only_options_after(const sh_stmt_t *st, unsigned j)
{
    for (unsigned k = j + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
        if (W(st, k)[0] != '-' && !(W(st, k)[0] >= '0' && W(st, k)[0] <= '9'))
            return 0;
    return 1;
}

/* Commands that run what comes down a pipe without being a shell: `at now`
 * and `batch` (a job of commands), GNU `parallel` given no command (each
 * line is one), `make -f -` (a makefile), `sudo -s` / `sudo -i` (the
 * shell sudo starts). */
static int stdin_runner(const sh_stmt_t *st, unsigned seg, unsigned j)
{
    if (j < st->n && (is_word(st, j, "at") || is_word(st, j, "batch"))) {
        for (unsigned k = j + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
            if (is_word(st, k, "-f") || is_word(st, k, "-l") || is_word(st, k, "-r") || is_word(st, k, "-d") ||
                is_word(st, k, "-c"))
                return 0;   /* a job from a file, or listing and removing jobs */
        return 1;
    }
    if (j < st->n && is_word(st, j, "parallel"))
        return only_options_after(st, j);
    if (j < st->n && (is_word(st, j, "make") || is_word(st, j, "gmake"))) {
        for (unsigned k = j + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
            if (is_word(st, k, "-f-") || (is_word(st, k, "-f") && (is_word(st, k + 1, "-") ||
                                                                   is_word(st, k + 1, "/dev/stdin"))))
                return 1;
        return 0;
    }
    if (seg < st->n && T(st, seg)->cls == SH_C_SUDO && j >= st->n)
        for (unsigned k = seg + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
            if (is_word(st, k, "-s") || is_word(st, k, "-i") || is_word(st, k, "--shell") ||
                is_word(st, k, "--login"))
                return 1;
    return 0;
}

/* The runner that what comes down the pipe at p runs as its program: the
 * command after it (behind wrappers, a `(` or `{`, spelled across quotes,
 * as `$S` where S=sh, or looked up with which), reading stdin; or
 * `xargs sh -c`, or a stdin_runner. Its index, or st->n. */
unsigned sh_piped_runner(const sh_staged_t *staged, const sh_stmt_t *st, unsigned p)
{
    unsigned j = p + 1, end;
    while (j < st->n && (T(st, j)->kind == SH_OP_GROUP || is_word(st, j, "{")))
        j++;   /* `| ( sh )`, `| { bash; }` */
    if (looked_up_runner(st, j, &end) < st->n)
        return sh_runs_stdin(st, end) ? looked_up_runner(st, j, &end) : st->n;
    unsigned seg = j;
    j = sh_cmd_after(st, j - 1);
    if (stdin_runner(st, seg, j))
        return j < st->n ? j : seg;
    if (j >= st->n)
        return st->n;
    if (awk_runs(st, j) ||
        (T(st, j)->cls == SH_C_EVAL && j + 1 < st->n && sh_stdin_path(W(st, j + 1), T(st, j + 1)->len)))
        return j;   /* awk's system(), `| source /dev/stdin` */
    if (sh_is_runner(T(st, j)) || sh_staged_runner_var(staged, st, j))
        end = j;
    else if (!glued_runner(st, j, &end))
        return xargs_shell(st, j);
    return sh_runs_stdin(st, end) ? j : st->n;
}

/* Whether the command at i runs what it is given: `eval …`; `. "$l"`,
 * `source /dev/stdin`; a runner reading stdin or a variable's text (`sh -c
 * "$l"`). Not `. ./lib.sh`: a file of the tree. */
int sh_runs_input(const sh_stmt_t *st, unsigned i)
{
    const sh_tok_t *t = T(st, i);
    if (t->cls == SH_C_EVAL)
        return is_word(st, i, "eval") ||
               (i + 1 < st->n && T(st, i + 1)->kind == SH_WORD &&
                (W(st, i + 1)[0] == '$' || sh_stdin_path(W(st, i + 1), T(st, i + 1)->len)));
    return sh_is_runner(t) &&
           (sh_runs_stdin(st, i) || (is_word(st, i + 1, "-c") && i + 2 < st->n && W(st, i + 2)[0] == '$'));
}
