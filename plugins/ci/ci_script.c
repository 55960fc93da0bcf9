/*
 * ci_script.c: the rules over script text (a `run:` value or block line, a
 * Jenkinsfile line): expressions that expand event text, secrets printed,
 * template injection, and the shell analyzer's rule engine
 * (shell_scan_command_staged) for curl|sh, decode-and-execute and credential
 * exfiltration, its findings renamed. Owns the folded-block buffer
 * (ci_state_t's fold[]).
 */
#include "ci_internal.h"

#include <string.h>

#include "shell.h"

static int shell_adapter(void *ud, const an_finding_t *f)
{
    ci_state_t *st = ud;
    if (strcmp(f->rule_id, "shell.decode_exec") == 0)
        return ci_emit(st, "ci.decode_exec", AN_SEV_CRITICAL, st->line,
                       "CI step decodes hidden code and runs it (base64/xxd/printf escapes into a shell)",
                       f->evidence, f->evidence_len);
    if (strcmp(f->rule_id, "shell.credential_exfil") == 0)
        return ci_emit(st, "ci.credential_exfil", AN_SEV_HIGH, st->line,
                       "CI step sends credentials or the whole environment (where the job's secrets live) "
                       "to the network",
                       f->evidence, f->evidence_len);
    if (strcmp(f->rule_id, "shell.curl_pipe_shell") != 0)
        return 0;
    return ci_emit(st, "ci.curl_pipe_shell", AN_SEV_CRITICAL, st->line,
                   "CI step downloads code and runs it unseen (curl/wget into a shell)",
                   f->evidence, f->evidence_len);
}

/* A folded block's lines, joined as YAML joins them, scanned as one line
 * (reported at the block's first line). */
int ci_fold_flush(ci_state_t *st)
{
    int rc = 0;
    if (st->fold_len) {
        st->line = st->fold_line;
        rc = shell_scan_command_staged(st->fold, st->fold_len, st->file, shell_adapter, st, &st->staged);
    }
    st->fold_len = 0;
    return rc;
}

/* When the block outgrows the buffer, its middle is dropped: the head (where
 * the command starts) stays and the newest line follows it, so padding a
 * folded block cannot separate `curl` from `| sh` (as the shell analyzer
 * does with continuation lines). */
static void fold_append(ci_state_t *st, unsigned line, const char *s, size_t n)
{
    if (!st->fold_len)
        st->fold_line = line;
    if (st->fold_len + n + 1 > sizeof st->fold && st->fold_len > CI_FOLD_MAX / 2)
        st->fold_len = CI_FOLD_MAX / 2;
    if (n > sizeof st->fold - st->fold_len - 1)
        n = sizeof st->fold - st->fold_len - 1;
    memcpy(st->fold + st->fold_len, s, n);
    st->fold_len += n;
    st->fold[st->fold_len++] = ' ';
}

int ci_script_line(ci_state_t *st, unsigned line, const char *s, size_t n)
{
    int rc = 0;
    size_t es, en, at, len;
    st->line = line;
    for (size_t i = 0; rc == 0 && i + 3 <= n; i++) {
        if (s[i] != '$' || s[i + 1] != '{' || s[i + 2] != '{' || !ci_expr_at(s, n, i, &es, &en))
            continue;
        if (ci_injectable(st, s + es, en))
            rc = ci_emit(st, "ci.script_injection", AN_SEV_HIGH, line,
                         "attacker-controlled event text is expanded into a script", s + es, en);
        else if (en > 8 && memcmp(s + es, "secrets.", 8) == 0 && ci_secret_printed(s, n, i, es + en))
            rc = ci_emit(st, "ci.secret_echo", AN_SEV_HIGH, line,
                         "a secret is printed to the CI log", s + es, en);
    }
    ci_output_record(st, s, n);
    if (rc == 0)
        rc = ci_encoded_var_check(st, line, s, n);
    if (rc == 0 && (at = ci_template_injection(st, s, n, &len)) != (size_t)-1)
        rc = ci_emit(st, "ci.script_injection", AN_SEV_HIGH, line,
                     "text the pull request's author chooses (branch, title, commit message) is pasted "
                     "into a script before the shell reads it", s + at, len);
    if (rc == 0 && st->in_block && st->folded)
        fold_append(st, line, s, n);
    else if (rc == 0)
        rc = shell_scan_command_staged(s, n, st->file, shell_adapter, st, &st->staged);
    return rc;
}
