/*
 * shell_report.c: the rules of the `shell` analyzer as data (id, severity,
 * message) and where their findings go: the driver's emit callback, each
 * rule at most once per logical line (sh_ctx_t.emitted).
 */
#include "shell_rules_internal.h"

#include "an_core.h"

#define EVIDENCE_MAX 256 /* AIRLOCK_MAX_EVIDENCE: the host keeps no more */

static const struct {
    const char *id;
    an_severity_t sev;
    const char *msg;
} s_rules[] = {
    [SH_R_RM] = {"shell.rm_catastrophic", AN_SEV_CRITICAL,
                 "recursive rm of the root, the home directory or a system directory"},
    [SH_R_CURL_SH] = {"shell.curl_pipe_shell", AN_SEV_CRITICAL,
                      "downloads code and runs it unseen (curl/wget into a shell or interpreter)"},
    [SH_R_REVSHELL] = {"shell.reverse_shell", AN_SEV_CRITICAL,
                       "reverse shell: a shell wired to a network connection"},
    [SH_R_CRED_EXFIL] = {"shell.credential_exfil", AN_SEV_HIGH,
                         "reads credentials in a command that talks to the network"},
    [SH_R_ENCODE_NET] = {"shell.encode_to_network", AN_SEV_HIGH,
                         "encodes data (base64/xxd/od) and sends it to a network tool"},
    [SH_R_SYS_WRITE] = {"shell.system_write", AN_SEV_HIGH,
                        "writes into a system directory (/etc, /usr, /boot, /bin, /lib)"},
    [SH_R_STARTUP] = {"shell.startup_file_write", AN_SEV_HIGH,
                      "writes a shell start-up file or authorized_keys (persistence)"},
    [SH_R_HISTORY] = {"shell.history_wipe", AN_SEV_HIGH,
                      "disables or wipes shell history (hides what ran)"},
    [SH_R_CRED_READ] = {"shell.credential_read", AN_SEV_MEDIUM,
                        "reads a credential file (~/.ssh, ~/.aws, .netrc, /etc/shadow...)"},
    [SH_R_CHMOD] = {"shell.chmod_777", AN_SEV_MEDIUM,
                    "makes files world-writable (chmod 777 / a+rwx / o+w)"},
    [SH_R_SUDO] = {"shell.sudo", AN_SEV_MEDIUM, "runs a command with elevated privileges"},
    [SH_R_CRONTAB] = {"shell.crontab", AN_SEV_MEDIUM,
                      "installs or edits scheduled jobs (crontab, /etc/cron*)"},
    [SH_R_DECODE_EXEC] = {"shell.decode_exec", AN_SEV_CRITICAL,
                          "decodes hidden code and runs it (base64/xxd/printf escapes/decompression "
                          "into a shell, eval or an interpreter)"},
};

int sh_report(sh_ctx_t *c, sh_rule_t r, const sh_stmt_t *st, unsigned a, unsigned b)
{
    size_t s, e;
    if (c->emitted & (1u << r))
        return 0;
    c->emitted |= 1u << r;
    if (a > b) {
        unsigned t = a;
        a = b;
        b = t;
    }
    s = T(st, a)->start;
    e = T(st, b)->start + T(st, b)->len;
    if (e - s > EVIDENCE_MAX)
        e = s + EVIDENCE_MAX; /* the start of the command is what matters */
    return an_emit(c->emit, c->ud, s_rules[r].id, s_rules[r].sev, c->file, c->line,
                   s_rules[r].msg, st->line + s, e - s);
}

int sh_report_text(an_emit_fn emit, void *ud, sh_rule_t r, const char *file, unsigned line, const char *text,
                   size_t len)
{
    return an_emit(emit, ud, s_rules[r].id, s_rules[r].sev, file, line, s_rules[r].msg, text,
                   len < EVIDENCE_MAX ? len : EVIDENCE_MAX);
}

int sh_report_line(sh_ctx_t *c, sh_rule_t r)
{
    if (c->emitted & (1u << r))
        return 0;
    c->emitted |= 1u << r;
    return an_emit(c->emit, c->ud, s_rules[r].id, s_rules[r].sev, c->file, c->line, s_rules[r].msg,
                   c->text, c->len < EVIDENCE_MAX ? c->len : EVIDENCE_MAX);
}
