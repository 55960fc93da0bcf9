/*
 * shell_rules_fetch.c: shell.curl_pipe_shell, downloaded or received bytes
 * that run: a download piped or substituted into a runner, through a file or
 * variable staged by an earlier statement (shell_staged.h) or a compound
 * command (shell_compound.h), bytes from ssh/nc/socat into a shell, and
 * interpreter or PowerShell one-liners that fetch and evaluate.
 */
#include "shell_rules_internal.h"

#include "shell_compound.h"
#include "shell_runner.h"
#include "shell_staged.h"

/* `curl URL | while read l; do eval "$l"; done`, `curl URL | (cd d && sh)`:
 * the pipe at p feeds a compound command; its body is at this depth. */
static void note_fed(sh_ctx_t *c, const sh_stmt_t *st, unsigned p)
{
    if (!c->staged || p + 1 >= st->n)
        return;
    if (T(st, p + 1)->kind == SH_OP_GROUP || is_word(st, p + 1, "{") || is_word(st, p + 1, "while") ||
        is_word(st, p + 1, "until"))
        c->staged->cmp.fed_level = (unsigned char)(sh_compound_depth_at(&c->staged->cmp, st, p + 1) + 1);
}

/* Where the output of the command at a runs through a substitution:
 * `sh <(curl …)`, `eval "$(curl …)"` (the runner before it), or `$(curl …)`
 * as the command itself (the substitution, whose output runs); st->n when
 * it does not. */
static unsigned subst_runner(const sh_stmt_t *st, unsigned a)
{
    unsigned r;
    if (a >= 1 && (T(st, a - 1)->kind == SH_OP_SUBST || T(st, a - 1)->kind == SH_OP_PROCSUB) &&
        (r = sh_runner_before(st, a - 1)) < st->n)
        return r;
    if ((r = sh_enclosing_subst(st, a)) < st->n && sh_command_start(st, r))
        return r;
    return st->n;
}

int sh_rule_fetch(sh_ctx_t *c, const sh_stmt_t *st, unsigned a)
{
    unsigned r, level;
    for (unsigned p = a + 1; p < st->n; p++) {
        unsigned j;
        int procsub_out = T(st, p)->kind == SH_OP_PROCSUB && W(st, p)[0] == '>';   /* > >(sh) */
        if (T(st, p)->kind != SH_OP_PIPE && !procsub_out)
            continue;
        if ((j = sh_piped_runner(c->staged, st, p)) < st->n)
            return sh_report(c, SH_R_CURL_SH, st, a, j);
        note_fed(c, st, p);
    }
    if ((r = subst_runner(st, a)) < st->n)
        return sh_report(c, SH_R_CURL_SH, st, r, a);
    if ((r = sh_enclosing_subst(st, a)) < st->n && r >= 1)
        sh_staged_var(c->staged, st, r - 1, 0);   /* X=$(curl …) */
    if (sh_staged_fetch(c->staged, st, a) && r >= st->n) {
        /* `{ curl URL; } | sh`: at depth 1 at least, as the line that opened
         * the group may have been passed over by the prefilter */
        level = sh_compound_depth_at(&c->staged->cmp, st, a);
        c->staged->cmp.out_level = (unsigned char)(level ? level : 1);
    }
    return 0;
}

/* `ssh host cat f | sh`, `nc host 80 | sh`, `socat - TCP:h:80 | bash`,
 * `openssl s_client -connect h:443 | sh`: bytes from the network run. */
int sh_rule_net_into_runner(sh_ctx_t *c, const sh_stmt_t *st, unsigned a)
{
    unsigned j;
    for (unsigned p = a + 1; p < st->n; p++)
        if (T(st, p)->kind == SH_OP_PIPE && (j = sh_piped_runner(c->staged, st, p)) < st->n)
            return sh_report(c, SH_R_CURL_SH, st, a, j);
    return 0;
}

/* `echo "$X" | sh`, `printf '%s' "$X" | bash`: a remembered variable printed
 * into a runner that reads stdin. The entry, with *cmd and *arg set, or -1. */
static int echo_var_piped(const sh_ctx_t *c, const sh_stmt_t *st, unsigned *cmd, unsigned *arg)
{
    const sh_staged_t *s = c->staged;
    int k = -1;
    for (unsigned i = 0; i < st->n; i++) {
        unsigned j;
        if (T(st, i)->kind == SH_WORD && T(st, i)->cls == SH_C_ECHO) {
            for (unsigned w = i + 1; k < 0 && w < st->n && T(st, w)->kind == SH_WORD; w++)
                if ((k = sh_staged_var_at(s, st, w)) >= 0)
                    *arg = w;
            continue;
        }
        if (k < 0 || T(st, i)->kind != SH_OP_PIPE)
            continue;
        if ((j = sh_piped_runner(c->staged, st, i)) < st->n) {
            *cmd = j;
            return k;
        }
    }
    return -1;
}

/* A file staged by an earlier statement, run (shell_staged.h). */
int sh_rule_staged(sh_ctx_t *c, const sh_stmt_t *st)
{
    unsigned cmd, arg;
    int k = sh_staged_run(c->staged, st, &cmd, &arg);
    if (k < 0)
        k = echo_var_piped(c, st, &cmd, &arg);
    return k < 0 ? 0 : sh_report(c, c->staged->f[k].decoded ? SH_R_DECODE_EXEC : SH_R_CURL_SH, st, cmd, arg);
}

/* Downloads whose output reaches a runner through compound commands
 * (shell_compound.h): `{ curl URL; } | sh` (the statement that closes the
 * group pipes it on), `curl URL | while read l; do eval "$l"; done` (a
 * runner inside the compound fed by the download), `f() { curl URL; }` …
 * `f | sh` or `eval "$(f)"` (a function that prints a download, or code in a
 * here-document (shell_heredoc.h), piped on or run). */
int sh_rule_compound(sh_ctx_t *c, const sh_stmt_t *st)
{
    const sh_compound_t *cmp = &c->staged->cmp;
    unsigned k, j;
    if (cmp->out_level && (k = sh_compound_closer(cmp, st, 0, cmp->out_level)) < st->n)
        for (unsigned p = k + 1; p < st->n; p++)
            if (T(st, p)->kind == SH_OP_PIPE && (j = sh_piped_runner(c->staged, st, p)) < st->n)
                return sh_report(c, SH_R_CURL_SH, st, k, j);
    for (unsigned i = 0; cmp->fed_level && i < st->n; i++) {
        const sh_tok_t *t = T(st, i);
        if (t->kind != SH_WORD || !(t->cls == SH_C_EVAL || sh_is_runner(t)) || !sh_command_start(st, i) ||
            sh_compound_depth_at(cmp, st, i) < cmp->fed_level)
            continue;
        if (sh_runs_input(st, i))
            return sh_report(c, SH_R_CURL_SH, st, i, i);
    }
    for (unsigned i = 0; c->staged->n && i < st->n; i++) {
        if (!sh_command_start(st, i) || !sh_staged_fetcher(c->staged, st, i))
            continue;
        for (unsigned p = i + 1; p < st->n; p++)
            if (T(st, p)->kind == SH_OP_PIPE && (j = sh_piped_runner(c->staged, st, p)) < st->n)
                return sh_report(c, SH_R_CURL_SH, st, i, j);
        if ((j = subst_runner(st, i)) < st->n)
            return sh_report(c, SH_R_CURL_SH, st, j, i);   /* eval "$(f)", sh <(f), $(f) */
    }
    return 0;
}

/* Line level: an interpreter one-liner that downloads code and runs it in
 * the same breath: python -c "exec(urlopen(URL).read())", node -e
 * "fetch(URL).then(r => r.text()).then(eval)", perl -MLWP::Simple -e 'eval
 * get(URL)', php -r 'eval(file_get_contents(URL))', PowerShell's
 * `iex (iwr URL)` / `iwr URL | iex` (in a .ps1 file or through pwsh), make's
 * `$(eval $(shell curl URL))`. */
int sh_line_fetch_exec(sh_ctx_t *c)
{
    static const char *const fetches[] = {"urlopen(", "urllib.request", "requests.get(", "httpx.get(", "fetch(",
                                          "http.get(", "https.get(", "LWP::", "file_get_contents(\"http",
                                          "file_get_contents('http", "curl_exec", "open-uri", "Net::HTTP",
                                          "URI.open("};
    static const char *const runs[] = {"exec(", "eval", "Function(", "instance_eval", "compile("};
    static const char *const ps_fetches[] = {"iwr ", "irm ", "invoke-webrequest", "invoke-restmethod",
                                             "downloadstring", "net.webclient", "downloadfile",
                                             "curl ", "wget "};   /* aliases of Invoke-WebRequest */
    static const char *const ps_runs[] = {"iex", "invoke-expression", "invoke-command", "scriptblock]::create"};
    int hit = 0;
    if (c->emitted & (1u << SH_R_CURL_SH))
        return 0;
    if (c->classes & (1u << SH_C_INTERP))
        hit = line_holds(c, fetches, sizeof fetches / sizeof fetches[0]) &&
              line_holds(c, runs, sizeof runs / sizeof runs[0]);
    /* make's $(eval $(shell curl …)): the downloaded text is read as make rules */
    if (c->makefile && (c->classes & (1u << SH_C_FETCH)) && an_find(c->text, c->len, "$(eval") != (size_t)-1 &&
        an_find(c->text, c->len, "$(shell") != (size_t)-1)
        hit = 1;
    if (!hit && (c->powershell || (c->classes & (1u << SH_C_PWSH)))) {
        int fetch = 0, run = 0;
        for (size_t i = 0; !fetch && i < sizeof ps_fetches / sizeof ps_fetches[0]; i++)
            fetch = an_find_ci(c->text, c->len, ps_fetches[i]) != (size_t)-1;
        for (size_t i = 0; fetch && !run && i < sizeof ps_runs / sizeof ps_runs[0]; i++)
            run = an_find_ci(c->text, c->len, ps_runs[i]) != (size_t)-1;
        hit = fetch && run;
    }
    if (!hit)
        return 0;
    return sh_report_line(c, SH_R_CURL_SH);
}
