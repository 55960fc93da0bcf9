/*
 * shell_rules_revshell.c: shell.reverse_shell, a shell wired to a network
 * connection: /dev/tcp redirections, nc -e, socat exec:, nc/telnet pipes
 * into a shell, mkfifo + nc, interpreter socket one-liners and gawk's
 * network files.
 */
#include "shell_rules_internal.h"

#include "shell_runner.h"

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

int sh_rule_revshell(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    const sh_tok_t *t = T(st, i);
    unsigned k;
    if (t->paths & SH_P_DEVNET) {
        for (k = 0; k < st->n; k++)
            if (T(st, k)->kind == SH_OP_REDIR_DUP || T(st, k)->kind == SH_OP_RW ||
                is_word(st, k, "-i"))
                return sh_report(c, SH_R_REVSHELL, st, i, k);
    }
    if (t->cls == SH_C_NC && nc_exec_flag(st, i))
        return sh_report(c, SH_R_REVSHELL, st, i, i + 1);
    if (t->cls == SH_C_SOCAT) {
        for (k = i + 1; k < st->n; k++)
            if (an_find_ci(W(st, k), T(st, k)->len, "exec:") != (size_t)-1 ||
                an_find_ci(W(st, k), T(st, k)->len, "system:") != (size_t)-1)
                return sh_report(c, SH_R_REVSHELL, st, i, k);
    }
    if ((t->cls == SH_C_NC || t->cls == SH_C_TELNET) && has_word(st, "-i", &k) && k > 0 &&
        T(st, k - 1)->cls == SH_C_SHELL)
        return sh_report(c, SH_R_REVSHELL, st, k - 1, i);
    if (t->cls == SH_C_TELNET)
        for (k = i + 1; k < st->n; k++)
            if (T(st, k)->kind == SH_OP_PIPE && sh_cmd_after(st, k) < st->n &&
                T(st, sh_cmd_after(st, k))->cls == SH_C_SHELL)
                return sh_report(c, SH_R_REVSHELL, st, i, sh_cmd_after(st, k));
    return 0;
}

int sh_line_revshell(sh_ctx_t *c)
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
    if (c->emitted & (1u << SH_R_REVSHELL))
        return 0;
    if ((c->classes & nc) && (c->classes & mk))
        hit = 1;
    else if ((c->classes & ip) && line_holds(c, connects, sizeof connects / sizeof connects[0]))
        hit = line_holds(c, exec_words, sizeof exec_words / sizeof exec_words[0]);
    else   /* gawk's network special file as a coprocess: `cmd |& getline` runs what it reads */
        hit = find_pair(c->text, c->len, '|', '&') != (size_t)-1 &&
              line_holds(c, gawk_net, sizeof gawk_net / sizeof gawk_net[0]);
    if (!hit)
        return 0;
    return sh_report_line(c, SH_R_REVSHELL);
}
