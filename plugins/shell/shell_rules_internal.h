/*
 * shell_rules_internal.h: what the rule files of the `shell` analyzer share:
 * the rule ids, the token helpers, and the functions shell_rules.c calls in
 * each rule file. Internal to plugins/shell.
 *
 * The calls go one way (no rule file calls another, nor back):
 *   shell_rules.c (statement loop, token dispatch)
 *       -> shell_rules_files.c, shell_rules_fetch.c, shell_rules_decode.c,
 *          shell_rules_revshell.c, shell_rules_exfil.c
 *   every rule file -> shell_report.c -> an_emit (the driver's callback)
 * and down to the lexer, shell_runner.c, shell_staged.c, shell_compound.c.
 */
#ifndef AIRLOCK_SHELL_RULES_INTERNAL_H
#define AIRLOCK_SHELL_RULES_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include "an_text.h"
#include "shell_lex.h"
#include "shell_rules.h"

/* The rules (ids, severities and messages in shell_report.c). */
typedef enum {
    SH_R_RM, SH_R_CURL_SH, SH_R_REVSHELL, SH_R_CRED_EXFIL, SH_R_ENCODE_NET, SH_R_SYS_WRITE,
    SH_R_STARTUP, SH_R_HISTORY, SH_R_CRED_READ, SH_R_CHMOD, SH_R_SUDO, SH_R_CRONTAB, SH_R_DECODE_EXEC,
} sh_rule_t;

static inline const sh_tok_t *T(const sh_stmt_t *st, unsigned i)
{
    return &st->tok[i];
}

static inline const char *W(const sh_stmt_t *st, unsigned i)
{
    return st->line + T(st, i)->start;
}

/* Whether token i is the word lit, to the letter. */
static inline int is_word(const sh_stmt_t *st, unsigned i, const char *lit)
{
    size_t m = strlen(lit);
    return i < st->n && T(st, i)->kind == SH_WORD && T(st, i)->len == m &&
           memcmp(st->line + T(st, i)->start, lit, m) == 0;
}

/* Whether a word of the command at i (its words after i) holds lit. */
static inline int word_in_stmt(const sh_stmt_t *st, unsigned i, const char *lit)
{
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
        if (an_find(W(st, k), T(st, k)->len, lit) != (size_t)-1)
            return 1;
    return 0;
}

/* The offset of the first two bytes `a b` in s, or (size_t)-1: an_find of a
 * two-byte text through memchr, which skips long lines where a is rare. */
static inline size_t find_pair(const char *s, size_t n, char a, char b)
{
    const char *p = s, *end = s + n;
    while (p + 1 < end && (p = memchr(p, a, (size_t)(end - p - 1))) != NULL) {
        if (p[1] == b)
            return (size_t)(p - s);
        p++;
    }
    return (size_t)-1;
}

/* Whether the logical line holds one of lits. */
static inline int line_holds(const sh_ctx_t *c, const char *const *lits, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (an_find(c->text, c->len, lits[i]) != (size_t)-1)
            return 1;
    return 0;
}

/* shell_report.c: rule r once per line, its evidence tokens a..b of st
 * (either order), or the line itself (sh_report_line). */
int sh_report(sh_ctx_t *c, sh_rule_t r, const sh_stmt_t *st, unsigned a, unsigned b);
int sh_report_line(sh_ctx_t *c, sh_rule_t r);
/* A finding of rule r for a line of text outside a shell statement (shell_js.c). */
int sh_report_text(an_emit_fn emit, void *ud, sh_rule_t r, const char *file, unsigned line, const char *text,
                   size_t len);

/* shell_rules_files.c: what commands do to files: rm of a system directory,
 * writes into system, start-up and cron files, chmod 777, history wipes. */
int sh_rule_rm(sh_ctx_t *c, const sh_stmt_t *st, unsigned i);
int sh_rule_write_to(sh_ctx_t *c, const sh_stmt_t *st, unsigned by, unsigned w);
int sh_rule_writer(sh_ctx_t *c, const sh_stmt_t *st, unsigned i);
int sh_rule_chmod(sh_ctx_t *c, const sh_stmt_t *st, unsigned i);
int sh_rule_history(sh_ctx_t *c, const sh_stmt_t *st, unsigned i);

/* shell_rules_fetch.c: downloaded or received bytes that reach a runner. */
int sh_rule_fetch(sh_ctx_t *c, const sh_stmt_t *st, unsigned a);
int sh_rule_net_into_runner(sh_ctx_t *c, const sh_stmt_t *st, unsigned a);
int sh_rule_staged(sh_ctx_t *c, const sh_stmt_t *st);
int sh_rule_compound(sh_ctx_t *c, const sh_stmt_t *st);
int sh_line_fetch_exec(sh_ctx_t *c);

/* shell_rules_decode.c: decoded (hidden) code that is run. */
int sh_rule_decode(sh_ctx_t *c, const sh_stmt_t *st, unsigned d);
int sh_rule_pwsh(sh_ctx_t *c, const sh_stmt_t *st, unsigned i);
int sh_line_decode_exec(sh_ctx_t *c);

/* shell_rules_revshell.c: shells wired to a network connection. */
int sh_rule_revshell(sh_ctx_t *c, const sh_stmt_t *st, unsigned i);
int sh_line_revshell(sh_ctx_t *c);

/* shell_rules_exfil.c: credentials, the environment and encoded data sent out;
 * net is the statement's first network tool (sh_find_net) or st->n. */
unsigned sh_find_net(const sh_stmt_t *st);
int sh_rule_cred(sh_ctx_t *c, const sh_stmt_t *st, unsigned i, unsigned net);
int sh_rule_encoder(sh_ctx_t *c, const sh_stmt_t *st, unsigned e, unsigned net);
int sh_rule_env_dump(sh_ctx_t *c, const sh_stmt_t *st, unsigned i, unsigned net);

#endif
