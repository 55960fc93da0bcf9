/*
 * shell_rules.c: the rules of the `shell` analyzer (list in shell.h).
 *
 * Each rule looks at the tokens of one statement (sh_stmt_t); the two
 * line-level reverse-shell patterns (mkfifo + nc, interpreter one-liners) use
 * the classes collected over all statements of the line.
 */
#include "shell_rules.h"

#include <string.h>

#include "an_text.h"
#include "shell_runner.h"
#include "shell_staged.h"

typedef enum {
    R_RM, R_CURL_SH, R_REVSHELL, R_CRED_EXFIL, R_ENCODE_NET, R_SYS_WRITE,
    R_STARTUP, R_HISTORY, R_CRED_READ, R_CHMOD, R_SUDO, R_CRONTAB, R_DECODE_EXEC,
} rule_t;

static const struct {
    const char *id;
    an_severity_t sev;
    const char *msg;
} s_rules[] = {
    [R_RM] = {"shell.rm_catastrophic", AN_SEV_CRITICAL,
              "recursive rm of the root, the home directory or a system directory"},
    [R_CURL_SH] = {"shell.curl_pipe_shell", AN_SEV_CRITICAL,
                   "downloads code and runs it unseen (curl/wget into a shell or interpreter)"},
    [R_REVSHELL] = {"shell.reverse_shell", AN_SEV_CRITICAL,
                    "reverse shell: a shell wired to a network connection"},
    [R_CRED_EXFIL] = {"shell.credential_exfil", AN_SEV_HIGH,
                      "reads credentials in a command that talks to the network"},
    [R_ENCODE_NET] = {"shell.encode_to_network", AN_SEV_HIGH,
                      "encodes data (base64/xxd/od) and sends it to a network tool"},
    [R_SYS_WRITE] = {"shell.system_write", AN_SEV_HIGH,
                     "writes into a system directory (/etc, /usr, /boot, /bin, /lib)"},
    [R_STARTUP] = {"shell.startup_file_write", AN_SEV_HIGH,
                   "writes a shell start-up file or authorized_keys (persistence)"},
    [R_HISTORY] = {"shell.history_wipe", AN_SEV_HIGH,
                   "disables or wipes shell history (hides what ran)"},
    [R_CRED_READ] = {"shell.credential_read", AN_SEV_MEDIUM,
                     "reads a credential file (~/.ssh, ~/.aws, .netrc, /etc/shadow...)"},
    [R_CHMOD] = {"shell.chmod_777", AN_SEV_MEDIUM,
                 "makes files world-writable (chmod 777 / a+rwx / o+w)"},
    [R_SUDO] = {"shell.sudo", AN_SEV_MEDIUM, "runs a command with elevated privileges"},
    [R_CRONTAB] = {"shell.crontab", AN_SEV_MEDIUM,
                   "installs or edits scheduled jobs (crontab, /etc/cron*)"},
    [R_DECODE_EXEC] = {"shell.decode_exec", AN_SEV_CRITICAL,
                       "decodes hidden code and runs it (base64/xxd/printf escapes/decompression "
                       "into a shell, eval or an interpreter)"},
};

#define EVIDENCE_MAX 256 /* AIRLOCK_MAX_EVIDENCE: the host keeps no more */

static const sh_tok_t *T(const sh_stmt_t *st, unsigned i)
{
    return &st->tok[i];
}

static int is_word(const sh_stmt_t *st, unsigned i, const char *lit)
{
    size_t m = strlen(lit);
    return i < st->n && T(st, i)->kind == SH_WORD && T(st, i)->len == m &&
           memcmp(st->line + T(st, i)->start, lit, m) == 0;
}

static const char *W(const sh_stmt_t *st, unsigned i)
{
    return st->line + T(st, i)->start;
}

static int report(sh_ctx_t *c, rule_t r, const sh_stmt_t *st, unsigned a, unsigned b)
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

/* ---- rm ---------------------------------------------------------------- */

static int rm_target_bad(const char *w, size_t n)
{
    static const char *const home[] = {"/", "/*", "/.", "~", "~/", "~/*", "$HOME", "$HOME/",
                                       "$HOME/*", "${HOME}", "${HOME}/", "${HOME}/*"};
    static const char *const dirs[] = {"/bin", "/boot", "/dev", "/etc", "/home", "/lib",
                                       "/lib64", "/opt", "/proc", "/root", "/sbin", "/srv",
                                       "/sys", "/usr", "/var", "/usr/bin", "/usr/lib",
                                       "/usr/local", "/var/lib"};
    for (size_t i = 0; i < sizeof home / sizeof home[0]; i++)
        if (strlen(home[i]) == n && memcmp(home[i], w, n) == 0)
            return 1;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        size_t m = strlen(dirs[i]);
        if (n >= m && memcmp(dirs[i], w, m) == 0 &&
            (n == m || (n == m + 1 && w[m] == '/') ||
             (n == m + 2 && w[m] == '/' && w[m + 1] == '*')))
            return 1;
    }
    return 0;
}

/* `"$MNT"/ *` (no space): the quote splits the word, and `/ *` follows a variable that
 * was assigned a value that cannot be empty (shell_staged.h). */
static int after_never_empty(const sh_ctx_t *c, const sh_stmt_t *st, unsigned k)
{
    const sh_tok_t *p = k > 0 ? T(st, k - 1) : NULL;
    return p && p->kind == SH_WORD && p->start + p->len + 1 == T(st, k)->start &&
           st->line[p->start + p->len] == '"' && sh_staged_never_empty(c->staged, st, k - 1);
}

static int rule_rm(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    int rec = 0, noroot = 0;
    unsigned bad = 0, k;
    for (k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++) {
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        if (n == 18 && memcmp(w, "--no-preserve-root", 18) == 0)
            noroot = 1;
        else if (n >= 11 && memcmp(w, "--recursive", 11) == 0)
            rec = 1;
        else if (n > 1 && w[0] == '-' && w[1] != '-')
            rec |= memchr(w, 'r', n) != NULL || memchr(w, 'R', n) != NULL;
        else if (!bad && rm_target_bad(w, n) && !after_never_empty(c, st, k))
            bad = k;
    }
    if (noroot || (rec && bad))
        return report(c, R_RM, st, i, bad ? bad : k - 1);
    return 0;
}

/* ---- download into a shell --------------------------------------------- */

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

static int rule_fetch(sh_ctx_t *c, const sh_stmt_t *st, unsigned a)
{
    unsigned r, level;
    for (unsigned p = a + 1; p < st->n; p++) {
        unsigned j;
        int procsub_out = T(st, p)->kind == SH_OP_PROCSUB && W(st, p)[0] == '>';   /* > >(sh) */
        if (T(st, p)->kind != SH_OP_PIPE && !procsub_out)
            continue;
        if ((j = sh_piped_runner(c->staged, st, p)) < st->n)
            return report(c, R_CURL_SH, st, a, j);
        note_fed(c, st, p);
    }
    if (a >= 1 && (T(st, a - 1)->kind == SH_OP_SUBST || T(st, a - 1)->kind == SH_OP_PROCSUB) &&
        (r = sh_runner_before(st, a - 1)) < st->n)
        return report(c, R_CURL_SH, st, r, a);
    if ((r = sh_enclosing_subst(st, a)) < st->n && sh_command_start(st, r))
        return report(c, R_CURL_SH, st, r, a);   /* `$(curl …)` as the command: its output runs */
    if (r < st->n && r >= 1)
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
static int rule_net_into_runner(sh_ctx_t *c, const sh_stmt_t *st, unsigned a)
{
    unsigned j;
    for (unsigned p = a + 1; p < st->n; p++)
        if (T(st, p)->kind == SH_OP_PIPE && (j = sh_piped_runner(c->staged, st, p)) < st->n)
            return report(c, R_CURL_SH, st, a, j);
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
static int rule_staged(sh_ctx_t *c, const sh_stmt_t *st)
{
    unsigned cmd, arg;
    int k = sh_staged_run(c->staged, st, &cmd, &arg);
    if (k < 0)
        k = echo_var_piped(c, st, &cmd, &arg);
    return k < 0 ? 0 : report(c, c->staged->f[k].decoded ? R_DECODE_EXEC : R_CURL_SH, st, cmd, arg);
}

/* Downloads whose output reaches a runner through compound commands
 * (shell_compound.h): `{ curl URL; } | sh` (the statement that closes the
 * group pipes it on), `curl URL | while read l; do eval "$l"; done` (a
 * runner inside the compound fed by the download), `f() { curl URL; }` …
 * `f | sh` (a function that prints a download, piped on). */
static int rule_compound(sh_ctx_t *c, const sh_stmt_t *st)
{
    const sh_compound_t *cmp = &c->staged->cmp;
    unsigned k, j;
    if (cmp->out_level && (k = sh_compound_closer(cmp, st, 0, cmp->out_level)) < st->n)
        for (unsigned p = k + 1; p < st->n; p++)
            if (T(st, p)->kind == SH_OP_PIPE && (j = sh_piped_runner(c->staged, st, p)) < st->n)
                return report(c, R_CURL_SH, st, k, j);
    for (unsigned i = 0; cmp->fed_level && i < st->n; i++) {
        const sh_tok_t *t = T(st, i);
        if (t->kind != SH_WORD || !(t->cls == SH_C_EVAL || sh_is_runner(t)) || !sh_command_start(st, i) ||
            sh_compound_depth_at(cmp, st, i) < cmp->fed_level)
            continue;
        if (sh_runs_input(st, i))
            return report(c, R_CURL_SH, st, i, i);
    }
    for (unsigned i = 0; c->staged->n && i < st->n; i++) {
        if (!sh_command_start(st, i) || !sh_staged_fetcher(c->staged, st, i))
            continue;
        for (unsigned p = i + 1; p < st->n; p++)
            if (T(st, p)->kind == SH_OP_PIPE && (j = sh_piped_runner(c->staged, st, p)) < st->n)
                return report(c, R_CURL_SH, st, i, j);
    }
    return 0;
}

/* ---- decode and execute --------------------------------------------------- */

/* Escapes that spell bytes: \xHH, \NNN (octal), \uHHHH. */
static unsigned count_escapes(const char *w, size_t n)
{
    unsigned k = 0;
    for (size_t i = 0; i + 3 < n; i++) {
        if (w[i] != '\\')
            continue;
        char c = w[i + 1];
        if ((c == 'x' || c == 'u') && strchr("0123456789abcdefABCDEF", w[i + 2]) && w[i + 2])
            k++;
        else if (c >= '0' && c <= '7' && w[i + 2] >= '0' && w[i + 2] <= '7')
            k++;
    }
    return k;
}

/* A short flag group (-d, -di, -rp) holding letter f, or the long flag. */
static int has_flag(const sh_stmt_t *st, unsigned i, char f, const char *lng)
{
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++) {
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        if (n > 1 && w[0] == '-' && w[1] != '-' && memchr(w + 1, f, n - 1))
            return 1;
        if (lng && strlen(lng) == n && memcmp(w, lng, n) == 0)
            return 1;
    }
    return 0;
}

/* `echo 'c-u-r-l …' | tr -d -`: literal text in the statement, not a file's
 * lines (`grep VERSION Makefile | tr -d ' '`). */
static int stmt_has_echo(const sh_stmt_t *st)
{
    for (unsigned k = 0; k < st->n; k++)
        if (T(st, k)->kind == SH_WORD && T(st, k)->cls == SH_C_ECHO)
            return 1;
    return 0;
}

static int word_in_stmt(const sh_stmt_t *st, unsigned i, const char *lit)
{
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
        if (an_find(W(st, k), T(st, k)->len, lit) != (size_t)-1)
            return 1;
    return 0;
}

/* Whether the command at token i turns its input (or argument) into other
 * bytes: base64 -d, xxd -r, uudecode, openssl ... -d, decompressors, rev,
 * tr, printf/echo of escaped bytes. */
static int is_decoder(const sh_stmt_t *st, unsigned i)
{
    const sh_tok_t *t = T(st, i);
    const char *w = W(st, i);
    size_t n = t->len;
    if (t->kind != SH_WORD)
        return 0;
    switch (t->cls) {
    case SH_C_ENCODER:
        if (an_find(w, n, "uudecode") != (size_t)-1)
            return 1;
        if (an_find(w, n, "xxd") != (size_t)-1)
            return has_flag(st, i, 'r', "-revert");
        if (an_find(w, n, "openssl") != (size_t)-1)
            return has_flag(st, i, 'd', NULL) && (word_in_stmt(st, i, "base64") || word_in_stmt(st, i, "enc"));
        if (an_find(w, n, "base") != (size_t)-1)
            return has_flag(st, i, 'd', "--decode") || has_flag(st, i, 'D', NULL);
        return 0;
    case SH_C_TRANSFORM:
        if (an_find(w, n, "tar") != (size_t)-1)
            return has_flag(st, i, 'O', "--to-stdout");
        if (n == 5 && memcmp(w, "unzip", 5) == 0)
            return has_flag(st, i, 'p', NULL);
        if (an_find(w, n, "gpg") != (size_t)-1 || (n == 3 && memcmp(w, "age", 3) == 0))
            return has_flag(st, i, 'd', "--decrypt");
        if (n == 2 && w[0] == 't' && w[1] == 'r' && (has_flag(st, i, 'd', "--delete") || has_flag(st, i, 's', NULL)))
            return stmt_has_echo(st);   /* deleting characters decodes only text written out here */
        if (an_find(w, n, "gzip") != (size_t)-1 || an_find(w, n, "bzip2") != (size_t)-1 ||
            (n >= 2 && w[n - 2] == 'x' && w[n - 1] == 'z') || (n >= 4 && !memcmp(w + n - 4, "zstd", 4)))
            return has_flag(st, i, 'd', "--decompress");
        return 1;
    case SH_C_ECHO:
        for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
            if (count_escapes(W(st, k), T(st, k)->len) >= 3)
                return 1;
        return 0;
    default:
        return 0;
    }
}

/* decoder | [...] | sh, or sh -c "$(decoder ...)", eval "$(...)", bash <(...). */
static int rule_decode(sh_ctx_t *c, const sh_stmt_t *st, unsigned d)
{
    unsigned open, r;
    if (!is_decoder(st, d))
        return 0;
    for (unsigned p = d + 1; p < st->n; p++) {
        unsigned j;
        if (T(st, p)->kind != SH_OP_PIPE)
            continue;
        if ((j = sh_piped_runner(c->staged, st, p)) < st->n)
            return report(c, R_DECODE_EXEC, st, d, j);
        j = sh_cmd_after(st, p);
        if (j < st->n && T(st, j)->cls == SH_C_PWSH && sh_runs_stdin(st, j))
            return report(c, R_DECODE_EXEC, st, d, j);
    }
    if ((open = sh_enclosing_subst(st, d)) < st->n && (r = sh_runner_before(st, open)) < st->n)
        return report(c, R_DECODE_EXEC, st, r, d);
    /* $(decoder ...) as the command itself: the decoded text is run */
    if (open == 0 && T(st, 0)->kind == SH_OP_SUBST)
        return report(c, R_DECODE_EXEC, st, 0, d);
    if (open < st->n && open >= 1)
        sh_staged_var(c->staged, st, open - 1, 1);   /* X=$(… | base64 -d) */
    sh_staged_decode(c->staged, st, d);
    return 0;
}

/* pwsh -EncodedCommand (any abbreviation: -e, -ec, -enc, ...). */
static int rule_pwsh(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++) {
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        if (n >= 2 && w[0] == '-' && (w[1] == 'e' || w[1] == 'E') &&
            (n == 2 || an_find_ci(w, n, "-ec") == 0 || an_find_ci(w, n, "-en") == 0))
            return report(c, R_DECODE_EXEC, st, i, k);
    }
    return 0;
}

/* Line level: an interpreter one-liner that executes decoded bytes
 * (python -c "exec(base64.b64decode(...))", perl -e 'eval decode_base64 ...',
 * node -e "eval(Buffer.from(..., 'base64')...)"), and $'\x..' strings run
 * as a command or through sh -c / eval. */
static int line_decode_exec(sh_ctx_t *c)
{
    static const char *const run_words[] = {"exec(", "eval(", "eval ", "compile(", "Function(",
                                            "system(", "popen(", "spawn", "execSync("};
    static const char *const dec_words[] = {
        "b64decode", "decodebytes", "decodestring", "b32decode", "b16decode", "a85decode",
        "unhexlify", "fromhex", "decode_base64", "decode64", "'base64'", "\"base64\"", "atob(",
        "decompress", "codecs.decode", "rot13", "rot_13", "marshal.loads", "fromCharCode",
        "unpack(",
    };
    int run = 0, dec = 0;
    size_t q;
    if (c->emitted & (1u << R_DECODE_EXEC))
        return 0;
    if (c->classes & (1u << SH_C_INTERP)) {
        for (size_t i = 0; !run && i < sizeof run_words / sizeof run_words[0]; i++)
            run = an_find(c->text, c->len, run_words[i]) != (size_t)-1;
        for (size_t i = 0; run && !dec && i < sizeof dec_words / sizeof dec_words[0]; i++)
            dec = an_find(c->text, c->len, dec_words[i]) != (size_t)-1;
        dec = dec || (run && count_escapes(c->text, c->len) >= 8);
    }
    if (!(run && dec) && (q = an_find(c->text, c->len, "$'")) != (size_t)-1) {
        const char *e = memchr(c->text + q + 2, '\'', c->len - q - 2);
        size_t n = e ? (size_t)(e - c->text) - q : c->len - q;
        size_t lead = an_skip_space(c->text, c->len, 0);
        run = (c->classes & ((1u << SH_C_SHELL) | (1u << SH_C_EVAL) | (1u << SH_C_EXEC) | (1u << SH_C_INTERP))) ||
              q == lead;
        dec = count_escapes(c->text + q, n) >= 3;
    }
    if (!(run && dec))
        return 0;
    c->emitted |= 1u << R_DECODE_EXEC;
    return an_emit(c->emit, c->ud, s_rules[R_DECODE_EXEC].id, s_rules[R_DECODE_EXEC].sev, c->file,
                   c->line, s_rules[R_DECODE_EXEC].msg, c->text, c->len < EVIDENCE_MAX ? c->len : EVIDENCE_MAX);
}

/* ---- reverse shells ------------------------------------------------------ */

static int has_word(const sh_stmt_t *st, const char *lit, unsigned *at)
{
    for (unsigned i = 0; i < st->n; i++)
        if (is_word(st, i, lit)) {
            *at = i;
            return 1;
        }
    return 0;
}

static int nc_exec_flag(const sh_stmt_t *st, unsigned i)
{
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++) {
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        if (n > 1 && w[0] == '-' && w[1] != '-' && (memchr(w, 'e', n) || memchr(w, 'c', n)))
            return 1;
        if (n >= 6 && (memcmp(w, "--exec", 6) == 0 || an_find(w, n, "-exec") != (size_t)-1))
            return 1;
    }
    return 0;
}

static int rule_revshell_tok(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    const sh_tok_t *t = T(st, i);
    unsigned k;
    if (t->paths & SH_P_DEVNET) {
        for (k = 0; k < st->n; k++)
            if (T(st, k)->kind == SH_OP_REDIR_DUP || T(st, k)->kind == SH_OP_RW ||
                is_word(st, k, "-i"))
                return report(c, R_REVSHELL, st, i, k);
    }
    if (t->cls == SH_C_NC && nc_exec_flag(st, i))
        return report(c, R_REVSHELL, st, i, i + 1);
    if (t->cls == SH_C_SOCAT) {
        for (k = i + 1; k < st->n; k++)
            if (an_find_ci(W(st, k), T(st, k)->len, "exec:") != (size_t)-1 ||
                an_find_ci(W(st, k), T(st, k)->len, "system:") != (size_t)-1)
                return report(c, R_REVSHELL, st, i, k);
    }
    if ((t->cls == SH_C_NC || t->cls == SH_C_TELNET) && has_word(st, "-i", &k) && k > 0 &&
        T(st, k - 1)->cls == SH_C_SHELL)
        return report(c, R_REVSHELL, st, k - 1, i);
    if (t->cls == SH_C_TELNET)
        for (k = i + 1; k < st->n; k++)
            if (T(st, k)->kind == SH_OP_PIPE && sh_cmd_after(st, k) < st->n &&
                T(st, sh_cmd_after(st, k))->cls == SH_C_SHELL)
                return report(c, R_REVSHELL, st, i, sh_cmd_after(st, k));
    return 0;
}

/* Whether the line holds one of lits. */
static int line_holds(const sh_ctx_t *c, const char *const *lits, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (an_find(c->text, c->len, lits[i]) != (size_t)-1)
            return 1;
    return 0;
}

static int line_revshell(sh_ctx_t *c)
{
    /* an interpreter one-liner connecting out (python's socket, perl's
     * IO::Socket, php's fsockopen, node's net.connect, lua's socket.tcp) and
     * running commands */
    static const char *const connects[] = {"socket", "Socket", "fsockopen", ".connect(", "createConnection("};
    static const char *const exec_words[] = {"pty", "subprocess", "dup2", "/bin/sh", "/bin/bash", "spawn", "exec(",
                                             "popen", "system", "shell_exec", "proc_open", "passthru"};
    static const char *const gawk_net[] = {"/inet/tcp/", "/inet/udp/", "/inet4/tcp/", "/inet6/tcp/"};
    const unsigned nc = 1u << SH_C_NC, mk = 1u << SH_C_MKFIFO, ip = 1u << SH_C_INTERP;
    int hit = 0;
    if (c->emitted & (1u << R_REVSHELL))
        return 0;
    if ((c->classes & nc) && (c->classes & mk))
        hit = 1;
    else if ((c->classes & ip) && line_holds(c, connects, sizeof connects / sizeof connects[0]))
        hit = line_holds(c, exec_words, sizeof exec_words / sizeof exec_words[0]);
    else   /* gawk's network special file as a coprocess: `cmd |& getline` runs what it reads */
        hit = line_holds(c, gawk_net, sizeof gawk_net / sizeof gawk_net[0]) && an_find(c->text, c->len, "|&") != (size_t)-1;
    if (!hit)
        return 0;
    c->emitted |= 1u << R_REVSHELL;
    return an_emit(c->emit, c->ud, s_rules[R_REVSHELL].id, s_rules[R_REVSHELL].sev, c->file,
                   c->line, s_rules[R_REVSHELL].msg, c->text,
                   c->len < EVIDENCE_MAX ? c->len : EVIDENCE_MAX);
}

/* Line level: an interpreter one-liner that downloads code and runs it in
 * the same breath: python -c "exec(urlopen(URL).read())", node -e
 * "fetch(URL).then(r => r.text()).then(eval)", perl -MLWP::Simple -e 'eval
 * get(URL)', php -r 'eval(file_get_contents(URL))', PowerShell's
 * `iex (iwr URL)` / `iwr URL | iex` (in a .ps1 file or through pwsh), make's
 * `$(eval $(shell curl URL))`. */
static int line_fetch_exec(sh_ctx_t *c)
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
    if (c->emitted & (1u << R_CURL_SH))
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
    c->emitted |= 1u << R_CURL_SH;
    return an_emit(c->emit, c->ud, s_rules[R_CURL_SH].id, s_rules[R_CURL_SH].sev, c->file, c->line,
                   s_rules[R_CURL_SH].msg, c->text, c->len < EVIDENCE_MAX ? c->len : EVIDENCE_MAX);
}

/* ---- credentials, encoders, network ------------------------------------- */

static int is_net(const sh_tok_t *t)
{
    return t->cls == SH_C_FETCH || t->cls == SH_C_NC || t->cls == SH_C_SOCAT ||
           t->cls == SH_C_TELNET || t->cls == SH_C_NETCOPY;
}

static unsigned find_net(const sh_stmt_t *st)
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
    for (size_t k = 0; i > 0 && k < sizeof ops / sizeof ops[0]; k++)
        if (is_word(st, i - 1, ops[k]))
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

static int rule_cred(sh_ctx_t *c, const sh_stmt_t *st, unsigned i, unsigned net)
{
    const sh_tok_t *t = T(st, i);
    int key_arg = i > 0 && is_word(st, i - 1, "-i");
    if (!(t->paths & (SH_P_CRED | SH_P_DOTENV)) || write_target(st, i) || file_test(st, i) ||
        ssh_public(W(st, i), t->len) || handles_not_reads(st, i))
        return 0;
    if (net < st->n && !key_arg)
        return report(c, R_CRED_EXFIL, st, i, net);
    if (t->paths & SH_P_CRED)
        return report(c, R_CRED_READ, st, i, i);
    return 0;
}

static int rule_encoder(sh_ctx_t *c, const sh_stmt_t *st, unsigned e, unsigned net)
{
    if (net >= st->n)
        return 0;
    if (e < net || (e >= 1 && T(st, e - 1)->kind == SH_OP_SUBST))
        return report(c, R_ENCODE_NET, st, e, net);
    return 0;
}

/* ---- writes ---------------------------------------------------------------- */

/* A .pth file in a site directory: its `import` lines run at every Python
 * start. (A .pth elsewhere is often a PyTorch model.) */
static int site_pth(const char *w, size_t n)
{
    while (n > 0 && (w[n - 1] == '"' || w[n - 1] == '\''))
        n--;
    return n > 4 && memcmp(w + n - 4, ".pth", 4) == 0 &&
           (an_find(w, n, "site-packages") != (size_t)-1 || an_find(w, n, "dist-packages") != (size_t)-1 ||
            an_find(w, n, "SITE") != (size_t)-1);
}

/* npm's node-options written into an .npmrc: every npm run loads it. */
static int npmrc_node_options(const sh_ctx_t *c, const sh_stmt_t *st, unsigned w)
{
    const char *word = W(st, w);
    size_t n = T(st, w)->len;
    while (n > 0 && (word[n - 1] == '"' || word[n - 1] == '\''))
        n--;
    return n >= 6 && memcmp(word + n - 6, ".npmrc", 6) == 0 && an_find(c->text, c->len, "node-options") != (size_t)-1;
}

static int classify_write(sh_ctx_t *c, const sh_stmt_t *st, unsigned by, unsigned w)
{
    unsigned p = T(st, w)->paths;
    if (((p & SH_P_STARTUP) || site_pth(W(st, w), T(st, w)->len) || npmrc_node_options(c, st, w)) &&
        !c->dockerfile)   /* an image's own start-up files, as its system paths */
        return report(c, R_STARTUP, st, by, w);
    if (p & SH_P_HISTORY)
        return report(c, R_HISTORY, st, by, w);
    if (p & SH_P_CRON)
        return report(c, R_CRONTAB, st, by, w);
    if ((p & SH_P_SYSTEM) && !c->dockerfile)
        return report(c, R_SYS_WRITE, st, by, w);
    return 0;
}

/* tee FILE..., cp/mv/ln/install SRC... DEST, sed -i ... FILE, rm/shred of history. */
static int rule_writer(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    unsigned cls = T(st, i)->cls, last = i, k;
    int rc = 0, inplace = 0;
    for (k = i + 1; rc == 0 && k < st->n && T(st, k)->kind == SH_WORD; k++) {
        const char *w = W(st, k);
        if (w[0] == '-') {
            inplace |= T(st, k)->len > 1 && w[1] == 'i';   /* a lone `-` ends the line's text */
            continue;
        }
        last = k;
        if (cls == SH_C_TEE || (cls == SH_C_SED && inplace))
            rc = classify_write(c, st, i, k);
        else if ((cls == SH_C_RM || cls == SH_C_WIPE) && (T(st, k)->paths & SH_P_HISTORY))
            rc = report(c, R_HISTORY, st, i, k);
    }
    if (rc == 0 && cls == SH_C_COPY && last > i + 1)
        rc = classify_write(c, st, i, last);
    return rc;
}

/* ---- permissions, privilege, persistence, history ------------------------- */

static int rule_chmod(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    static const char *const modes[] = {"777", "0777", "a+rwx", "ugo+rwx", "o+rwx", "a=rwx",
                                        "o+w", "a+w", "666", "0666", "o=rwx"};
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
        for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
            if (is_word(st, k, modes[m]))
                return report(c, R_CHMOD, st, i, k);
    return 0;
}

static int histfile_off(const char *w, size_t n)
{
    const char *eq = memchr(w, '=', n);
    size_t v;
    if (!eq)
        return 0;
    v = n - (size_t)(eq + 1 - w);
    if (n >= 8 && memcmp(w, "HISTFILE", 8) == 0 && w[8] == '=')
        return v == 0 || (v == 9 && memcmp(eq + 1, "/dev/null", 9) == 0);
    return v == 1 && eq[1] == '0'; /* HISTSIZE=0, HISTFILESIZE=0, SAVEHIST=0; not HISTFILESIZE=200000 */
}

static int rule_history(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    const sh_tok_t *t = T(st, i);
    if (t->cls == SH_C_HISTORY && (is_word(st, i + 1, "-c") || is_word(st, i + 1, "-w") ||
                                   (i >= 1 && is_word(st, i - 1, "+o"))))
        return report(c, R_HISTORY, st, i >= 1 && is_word(st, i - 1, "+o") ? i - 1 : i, i);
    if (t->cls == SH_C_UNSET && i + 1 < st->n && T(st, i + 1)->len >= 8 &&
        memcmp(W(st, i + 1), "HISTFILE", 8) == 0)
        return report(c, R_HISTORY, st, i, i + 1);
    if ((t->paths & SH_P_HISTORY) && W(st, i)[0] == 'H' && histfile_off(W(st, i), t->len))
        return report(c, R_HISTORY, st, i, i);
    if ((t->paths & SH_P_HISTORY) && t->kind == SH_WORD && i >= 2 &&
        T(st, i - 1)->kind == SH_WORD && T(st, i - 2)->cls == SH_C_COPY &&
        is_word(st, i - 1, "/dev/null"))
        return report(c, R_HISTORY, st, i - 2, i);
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

static int rule_token(sh_ctx_t *c, const sh_stmt_t *st, unsigned i, unsigned net)
{
    const sh_tok_t *t = T(st, i);
    int rc = 0;
    if (t->kind == SH_OP_REDIR_OUT && i + 1 < st->n && T(st, i + 1)->kind == SH_WORD)
        return classify_write(c, st, i, i + 1);
    if (t->kind == SH_OP_REDIR_IN && i + 1 < st->n && (T(st, i + 1)->paths & SH_P_DEVNET))
        return rule_net_into_runner(c, st, i + 1);   /* cat < /dev/tcp/HOST/PORT | sh */
    if (t->kind != SH_WORD)
        return 0;
    switch (t->cls) {
    case SH_C_RM: rc = rule_rm(c, st, i); break;
    case SH_C_FETCH: rc = rule_fetch(c, st, i); break;
    case SH_C_NETCOPY:
        sh_staged_netcopy(c->staged, st, i);
        rc = rule_net_into_runner(c, st, i);
        break;
    case SH_C_NC:
    case SH_C_SOCAT: rc = rule_net_into_runner(c, st, i); break;
    case SH_C_ENCODER:
        rc = rule_encoder(c, st, i, net);
        if (rc == 0 && is_word(st, i, "openssl") && word_in_stmt(st, i, "s_client"))
            rc = rule_net_into_runner(c, st, i);
        break;
    case SH_C_CHMOD: rc = rule_chmod(c, st, i); break;
    case SH_C_SUDO: rc = c->dockerfile ? 0 : report(c, R_SUDO, st, i, i); break;
    case SH_C_CRONTAB: rc = report(c, R_CRONTAB, st, i, i); break;
    case SH_C_PWSH: rc = rule_pwsh(c, st, i); break;
    default: break;
    }
    if (rc == 0 && (t->cls == SH_C_ENCODER || t->cls == SH_C_TRANSFORM || t->cls == SH_C_ECHO))
        rc = rule_decode(c, st, i);
    if (rc == 0 && (t->cls == SH_C_TEE || t->cls == SH_C_COPY || t->cls == SH_C_SED ||
                    t->cls == SH_C_RM || t->cls == SH_C_WIPE))
        rc = rule_writer(c, st, i);
    if (rc == 0 && (t->paths || t->cls == SH_C_HISTORY || t->cls == SH_C_UNSET))
        rc = rule_history(c, st, i);
    if (rc == 0 && t->paths)
        rc = rule_cred(c, st, i, net);
    if (rc == 0 && net < st->n && env_dump(st, i))
        rc = report(c, R_CRED_EXFIL, st, i, net);
    if (rc == 0 && interp_env_dump(st, i) &&
        (net < st->n || line_pipes_to_net(st, T(st, i)->start + T(st, i)->len)))
        rc = report(c, R_CRED_EXFIL, st, i, i);   /* an interpreter printing its environment */
    if (rc == 0 && ((t->paths & SH_P_DEVNET) || t->cls == SH_C_NC || t->cls == SH_C_SOCAT ||
                    t->cls == SH_C_TELNET))
        rc = rule_revshell_tok(c, st, i);
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
    if (c->staged && c->staged->n && (rc = rule_staged(c, st)) != 0)
        return rc;   /* before this statement's own downloads are staged */
    if (c->staged && (rc = rule_compound(c, st)) != 0)
        return rc;
    sh_staged_copy(c->staged, st);   /* mv/cp/ln/install/dd of a staged file */
    sh_staged_assign(c->staged, st);   /* Y=$X, S=bash */
    if ((st->classes & TRIGGER_CLASSES) || st->paths != 0 || (st->classes & CLASS_BIT(SH_C_ECHO))) {
        net = find_net(st);
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
        rc = line_revshell(c);
    if (rc == 0)
        rc = line_decode_exec(c);
    if (rc == 0)
        rc = line_fetch_exec(c);
    return rc;
}
