/*
 * shell_rules_exfil.c: credentials and secrets leaving: shell.credential_read
 * (a credential file read), shell.credential_exfil (read, or the whole
 * environment printed, in a command that talks to the network) and
 * shell.encode_to_network (encoded data sent to a network tool).
 */
#include "shell_rules_internal.h"

static int is_net(const sh_tok_t *t)
{
    return t->cls == SH_C_FETCH || t->cls == SH_C_NC || t->cls == SH_C_SOCAT ||
           t->cls == SH_C_TELNET || t->cls == SH_C_NETCOPY;
}

unsigned sh_find_net(const sh_stmt_t *st)
{
    for (unsigned i = 0; i < st->n; i++)
        if (T(st, i)->kind == SH_WORD && is_net(T(st, i)))
            return i;
    return st->n;
}

static int write_target(const sh_stmt_t *st, unsigned i)
{
    return i > 0 && T(st, i - 1)->kind == SH_OP_REDIR_OUT;
}

/* `[ -e ~/.pypirc ]`, `test -f ~/.netrc`: asks whether the file exists. */
static int file_test(const sh_stmt_t *st, unsigned i)
{
    static const char *const ops[] = {"-e", "-f", "-d", "-r", "-s", "-x", "-L", "-h"};
    int op = 0;
    for (size_t k = 0; i > 0 && k < sizeof ops / sizeof ops[0]; k++)
        op |= is_word(st, i - 1, ops[k]);
    if (!op)
        return 0;
    /* test's operator, not another command's flag (curl -d @FILE posts FILE) */
    for (unsigned k = i - 1; k-- > 0;)
        if (is_word(st, k, "[") || is_word(st, k, "[[") || is_word(st, k, "test"))
            return 1;
    return 0;
}

/* The public parts of ~/.ssh: a public key, known_hosts (host keys anyone
 * may read). */
static int ssh_public(const char *w, size_t n)
{
    while (n > 0 && (w[n - 1] == '"' || w[n - 1] == '\'' || w[n - 1] == ';'))
        n--;
    return (n > 4 && memcmp(w + n - 4, ".pub", 4) == 0) ||
           (n >= 11 && memcmp(w + n - 11, "known_hosts", 11) == 0);
}

/* Commands that touch a credential's directory or mode, never its bytes. */
static int handles_not_reads(const sh_stmt_t *st, unsigned i)
{
    unsigned cmd = i;
    while (cmd > 0 && T(st, cmd - 1)->kind == SH_WORD)
        cmd--;
    return T(st, cmd)->cls == SH_C_FILEATTR || T(st, cmd)->cls == SH_C_CHMOD;
}

int sh_rule_cred(sh_ctx_t *c, const sh_stmt_t *st, unsigned i, unsigned net)
{
    const sh_tok_t *t = T(st, i);
    int key_arg = i > 0 && is_word(st, i - 1, "-i");
    if (!(t->paths & (SH_P_CRED | SH_P_DOTENV)) || write_target(st, i) || file_test(st, i) ||
        ssh_public(W(st, i), t->len) || handles_not_reads(st, i))
        return 0;
    if (net < st->n && !key_arg)
        return sh_report(c, SH_R_CRED_EXFIL, st, i, net);
    if (t->paths & SH_P_CRED)
        return sh_report(c, SH_R_CRED_READ, st, i, i);
    return 0;
}

int sh_rule_encoder(sh_ctx_t *c, const sh_stmt_t *st, unsigned e, unsigned net)
{
    if (net >= st->n)
        return 0;
    if (e < net || (e >= 1 && T(st, e - 1)->kind == SH_OP_SUBST))
        return sh_report(c, SH_R_ENCODE_NET, st, e, net);
    return 0;
}

/* Whether the words after i up to the statement's end or a pipe are all in
 * opts (none at all when opts is NULL). */
static int only_words(const sh_stmt_t *st, unsigned i, const char *const *opts, size_t count)
{
    for (unsigned k = i + 1; k < st->n; k++) {
        int ok = 0;
        if (T(st, k)->kind != SH_WORD)
            return T(st, k)->kind == SH_OP_PIPE || T(st, k)->kind == SH_OP_CLOSE;
        for (size_t o = 0; !ok && o < count; o++)
            ok = is_word(st, k, opts[o]);
        if (!ok)
            return 0;
    }
    return 1;
}

/* An interpreter one-liner printing its whole environment (python's
 * os.environ, node's process.env, ruby's ENV, perl's %ENV). */
static int interp_env_dump(const sh_stmt_t *st, unsigned i)
{
    static const char *const envs[] = {"os.environ", "process.env", "%ENV", "ENV.to_h", "ENV.each", "getenv()"};
    size_t from = T(st, i)->start + T(st, i)->len;
    if (T(st, i)->cls != SH_C_INTERP)
        return 0;
    for (size_t k = 0; k < sizeof envs / sizeof envs[0]; k++) {
        size_t at = an_find(st->line + from, st->line_len - from, envs[k]);
        /* os.environ['X'] / process.env.X name one variable */
        if (at != (size_t)-1 && (from + at + strlen(envs[k]) >= st->line_len ||
                                 !strchr("[.", st->line[from + at + strlen(envs[k])])))
            return 1;
    }
    return 0;
}

/* Whether the line, after offset from, pipes into a network tool. A quoted
 * program's `;` ends the lexer's statement (sh_stmt_t.line_len), so the pipe
 * of `python3 -c 'import os; print(os.environ)' | curl …` is in another one. */
static int line_pipes_to_net(const sh_stmt_t *st, size_t from)
{
    for (size_t k = from; k + 1 < st->line_len; k++) {
        size_t b, e;
        sh_class_t cls;
        if (st->line[k] != '|' || st->line[k + 1] == '|' || (k > 0 && st->line[k - 1] == '|'))
            continue;
        b = an_skip_space(st->line, st->line_len, k + 1);
        for (e = b; e < st->line_len && !an_is_space((unsigned char)st->line[e]) && st->line[e] != '|'; e++)
            ;
        cls = sh_word_class(st->line + b, e - b);
        if (cls == SH_C_FETCH || cls == SH_C_FETCHCMD || cls == SH_C_NC || cls == SH_C_SOCAT ||
            cls == SH_C_TELNET || cls == SH_C_NETCOPY)
            return 1;
    }
    return 0;
}

/* `env` or `printenv` alone (no command, no variable named), `set`,
 * `export -p`, `declare -p`/`-x`, or `git credential fill` as a command: the whole environment, where a CI job's
 * secrets live, or the stored git password goes to its output. */
static int env_dump(const sh_stmt_t *st, unsigned i)
{
    static const char *const print_opts[] = {"-p", "-x", "-px", "-xp"};
    const sh_tok_t *p = i > 0 ? T(st, i - 1) : NULL;
    if (p && p->kind != SH_OP_PIPE && p->kind != SH_OP_SUBST && p->kind != SH_OP_GROUP)
        return 0;   /* not a command: an argument named env */
    if (is_word(st, i, "set"))
        return only_words(st, i, NULL, 0);
    if (is_word(st, i, "export") || is_word(st, i, "declare") || is_word(st, i, "typeset"))
        return i + 1 < st->n && T(st, i + 1)->kind == SH_WORD &&
               only_words(st, i, print_opts, sizeof print_opts / sizeof print_opts[0]);
    if (is_word(st, i, "git") && is_word(st, i + 1, "credential") && is_word(st, i + 2, "fill"))
        return 1;
    if (!is_word(st, i, "env") && !is_word(st, i, "printenv"))
        return 0;
    for (unsigned k = i + 1; k < st->n; k++) {
        if (T(st, k)->kind != SH_WORD)
            return T(st, k)->kind == SH_OP_PIPE || T(st, k)->kind == SH_OP_CLOSE;
        if (W(st, k)[0] != '-')
            return 0;   /* env VAR=x cmd, printenv NAME: not the whole environment */
    }
    return i + 1 == st->n || W(st, st->n - 1)[0] == '-';
}

/* The whole environment (env_dump) or an interpreter printing its own
 * (interp_env_dump) sent to the network. */
int sh_rule_env_dump(sh_ctx_t *c, const sh_stmt_t *st, unsigned i, unsigned net)
{
    if (net < st->n && env_dump(st, i))
        return sh_report(c, SH_R_CRED_EXFIL, st, i, net);
    if (interp_env_dump(st, i) && (net < st->n || line_pipes_to_net(st, T(st, i)->start + T(st, i)->len)))
        return sh_report(c, SH_R_CRED_EXFIL, st, i, i);   /* an interpreter printing its environment */
    return 0;
}
