/*
 * shell_rules_files.c: the `shell` rules on what a command does to files:
 * shell.rm_catastrophic (recursive rm of the root, home or a system
 * directory), shell.system_write, shell.startup_file_write and shell.crontab
 * (redirections, tee, cp/mv/ln/install, sed -i into those places),
 * shell.chmod_777 and shell.history_wipe.
 */
#include "shell_rules_internal.h"

#include "shell_staged.h"

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

int sh_rule_rm(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
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
        return sh_report(c, SH_R_RM, st, i, bad ? bad : k - 1);
    return 0;
}

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

int sh_rule_write_to(sh_ctx_t *c, const sh_stmt_t *st, unsigned by, unsigned w)
{
    unsigned p = T(st, w)->paths;
    if (((p & SH_P_STARTUP) || site_pth(W(st, w), T(st, w)->len) || npmrc_node_options(c, st, w)) &&
        !c->dockerfile)   /* an image's own start-up files, as its system paths */
        return sh_report(c, SH_R_STARTUP, st, by, w);
    if (p & SH_P_HISTORY)
        return sh_report(c, SH_R_HISTORY, st, by, w);
    if (p & SH_P_CRON)
        return sh_report(c, SH_R_CRONTAB, st, by, w);
    if ((p & SH_P_SYSTEM) && !c->dockerfile)
        return sh_report(c, SH_R_SYS_WRITE, st, by, w);
    return 0;
}

/* tee FILE..., cp/mv/ln/install SRC... DEST, sed -i ... FILE, rm/shred of history. */
int sh_rule_writer(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
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
            rc = sh_rule_write_to(c, st, i, k);
        else if ((cls == SH_C_RM || cls == SH_C_WIPE) && (T(st, k)->paths & SH_P_HISTORY))
            rc = sh_report(c, SH_R_HISTORY, st, i, k);
    }
    if (rc == 0 && cls == SH_C_COPY && last > i + 1)
        rc = sh_rule_write_to(c, st, i, last);
    return rc;
}

int sh_rule_chmod(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    static const char *const modes[] = {"777", "0777", "a+rwx", "ugo+rwx", "o+rwx", "a=rwx",
                                        "o+w", "a+w", "666", "0666", "o=rwx"};
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
        for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
            if (is_word(st, k, modes[m]))
                return sh_report(c, SH_R_CHMOD, st, i, k);
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

int sh_rule_history(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    const sh_tok_t *t = T(st, i);
    if (t->cls == SH_C_HISTORY && (is_word(st, i + 1, "-c") || is_word(st, i + 1, "-w") ||
                                   (i >= 1 && is_word(st, i - 1, "+o"))))
        return sh_report(c, SH_R_HISTORY, st, i >= 1 && is_word(st, i - 1, "+o") ? i - 1 : i, i);
    if (t->cls == SH_C_UNSET && i + 1 < st->n && T(st, i + 1)->len >= 8 &&
        memcmp(W(st, i + 1), "HISTFILE", 8) == 0)
        return sh_report(c, SH_R_HISTORY, st, i, i + 1);
    if ((t->paths & SH_P_HISTORY) && W(st, i)[0] == 'H' && histfile_off(W(st, i), t->len))
        return sh_report(c, SH_R_HISTORY, st, i, i);
    if ((t->paths & SH_P_HISTORY) && t->kind == SH_WORD && i >= 2 &&
        T(st, i - 1)->kind == SH_WORD && T(st, i - 2)->cls == SH_C_COPY &&
        is_word(st, i - 1, "/dev/null"))
        return sh_report(c, SH_R_HISTORY, st, i - 2, i);
    return 0;
}
