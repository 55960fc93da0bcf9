/*
 * shell_rules.c: the rules of the `shell` analyzer (list in shell.h) over
 * one logical line: lexes it into statements, hands each token to the rules
 * of its class (the rule files, shell_rules_internal.h), then runs the
 * line-level rules that use the classes collected over all statements
 * (mkfifo + nc, interpreter one-liners).
 */
#include "shell_rules.h"

#include "shell_rules_internal.h"
#include "shell_runner.h"
#include "shell_staged.h"

static int rule_token(sh_ctx_t *c, const sh_stmt_t *st, unsigned i, unsigned net)
{
    const sh_tok_t *t = T(st, i);
    int rc = 0;
    if (t->kind == SH_OP_REDIR_OUT && i + 1 < st->n && T(st, i + 1)->kind == SH_WORD)
        return sh_rule_write_to(c, st, i, i + 1);
    if (t->kind == SH_OP_REDIR_IN && i + 1 < st->n && (T(st, i + 1)->paths & SH_P_DEVNET))
        return sh_rule_net_into_runner(c, st, i + 1);   /* cat < /dev/tcp/HOST/PORT | sh */
    if (t->kind != SH_WORD)
        return 0;
    switch (t->cls) {
    case SH_C_RM: rc = sh_rule_rm(c, st, i); break;
    case SH_C_FETCH: rc = sh_rule_fetch(c, st, i); break;
    case SH_C_NETCOPY:
        sh_staged_netcopy(c->staged, st, i);
        rc = sh_rule_net_into_runner(c, st, i);
        break;
    case SH_C_NC:
    case SH_C_SOCAT: rc = sh_rule_net_into_runner(c, st, i); break;
    case SH_C_ENCODER:
        rc = sh_rule_encoder(c, st, i, net);
        if (rc == 0 && is_word(st, i, "openssl") && word_in_stmt(st, i, "s_client"))
            rc = sh_rule_net_into_runner(c, st, i);
        break;
    case SH_C_CHMOD: rc = sh_rule_chmod(c, st, i); break;
    case SH_C_SUDO: rc = c->dockerfile ? 0 : sh_report(c, SH_R_SUDO, st, i, i); break;
    case SH_C_CRONTAB: rc = sh_report(c, SH_R_CRONTAB, st, i, i); break;
    case SH_C_PWSH: rc = sh_rule_pwsh(c, st, i); break;
    default: break;
    }
    if (rc == 0 && (t->cls == SH_C_ENCODER || t->cls == SH_C_TRANSFORM || t->cls == SH_C_ECHO))
        rc = sh_rule_decode(c, st, i);
    if (rc == 0 && (t->cls == SH_C_TEE || t->cls == SH_C_COPY || t->cls == SH_C_SED ||
                    t->cls == SH_C_RM || t->cls == SH_C_WIPE))
        rc = sh_rule_writer(c, st, i);
    if (rc == 0 && (t->paths || t->cls == SH_C_HISTORY || t->cls == SH_C_UNSET))
        rc = sh_rule_history(c, st, i);
    if (rc == 0 && t->paths)
        rc = sh_rule_cred(c, st, i, net);
    if (rc == 0)
        rc = sh_rule_env_dump(c, st, i, net);
    if (rc == 0 && ((t->paths & SH_P_DEVNET) || t->cls == SH_C_NC || t->cls == SH_C_SOCAT ||
                    t->cls == SH_C_TELNET))
        rc = sh_rule_revshell(c, st, i);
    return rc;
}

/* Classes that can produce a finding without a path word in the statement. */
#define CLASS_BIT(c) (1u << (c))
#define TRIGGER_CLASSES                                                               \
    (CLASS_BIT(SH_C_RM) | CLASS_BIT(SH_C_FETCH) | CLASS_BIT(SH_C_NC) |                \
     CLASS_BIT(SH_C_SOCAT) | CLASS_BIT(SH_C_TELNET) | CLASS_BIT(SH_C_CHMOD) |         \
     CLASS_BIT(SH_C_SUDO) | CLASS_BIT(SH_C_CRONTAB) | CLASS_BIT(SH_C_HISTORY) |       \
     CLASS_BIT(SH_C_UNSET) | CLASS_BIT(SH_C_ENCODER) | CLASS_BIT(SH_C_TRANSFORM) |      \
     CLASS_BIT(SH_C_PWSH) | CLASS_BIT(SH_C_NETCOPY) | CLASS_BIT(SH_C_INTERP))

static int on_stmt(void *ud, const sh_stmt_t *st)
{
    sh_ctx_t *c = ud;
    unsigned net;
    int rc = 0;
    c->classes |= st->classes;
    if (c->staged && c->staged->n && (rc = sh_rule_staged(c, st)) != 0)
        return rc;   /* before this statement's own downloads are staged */
    if (c->staged && (rc = sh_rule_compound(c, st)) != 0)
        return rc;
    sh_staged_copy(c->staged, st);   /* mv/cp/ln/install/dd of a staged file */
    sh_staged_assign(c->staged, st);   /* Y=$X, S=bash */
    if ((st->classes & TRIGGER_CLASSES) || st->paths != 0 || (st->classes & CLASS_BIT(SH_C_ECHO))) {
        net = sh_find_net(st);
        for (unsigned i = 0; rc == 0 && i < st->n; i++) {
            rc = rule_token(c, st, i, net);
            if (T(st, i)->kind == SH_OP_PIPE && sh_cmd_after(st, i) < st->n &&
                sh_is_runner(T(st, sh_cmd_after(st, i))))
                c->pipes_to_shell = 1;
        }
    }   /* else nothing here any rule can use */
    if (!c->replay)
        sh_staged_end(c->staged, st);   /* once per statement: the second lexing pass replays */
    return rc;
}

int sh_rules_line(sh_ctx_t *c)
{
    int rc;
    c->emitted = 0;
    c->classes = 0;
    c->pipes_to_shell = 0;
    c->replay = 0;
    if (!c->no_prefilter && !c->powershell && !sh_staged_any(c->staged) && !sh_line_may_match(c->text, c->len)) {
        sh_staged_assign_line(c->staged, c->text, c->len);   /* MNT=/mnt/huge: never empty */
        return 0;   /* the prefilter knows shell words, not cmdlets */
    }
    rc = sh_lex(c->text, c->len, 0, on_stmt, c);
    if (rc == 0 && c->pipes_to_shell && (c->classes & (1u << SH_C_ECHO))) {
        c->replay = 1;
        rc = sh_lex(c->text, c->len, 1, on_stmt, c);
    }
    if (rc == 0)
        rc = sh_line_revshell(c);
    if (rc == 0)
        rc = sh_line_decode_exec(c);
    if (rc == 0)
        rc = sh_line_fetch_exec(c);
    return rc;
}
