/*
 * shell_lex.c: the shell-line lexer and word classifier (see shell_lex.h).
 *
 * One pass over the line; words are classified when they end, with a switch
 * on the first character and short fixed comparisons, so the cost per byte
 * stays a few table look-ups.
 */
#include "shell_lex.h"

#include <string.h>

typedef struct {
    const char *w;
    unsigned char cls;
} word_entry_t;

static const word_entry_t s_words[] = {
    {"rm", SH_C_RM}, {"curl", SH_C_FETCH}, {"wget", SH_C_FETCH}, {"aria2c", SH_C_FETCH},
    {"sh", SH_C_SHELL}, {"bash", SH_C_SHELL}, {"zsh", SH_C_SHELL}, {"dash", SH_C_SHELL},
    {"ksh", SH_C_SHELL}, {"ash", SH_C_SHELL}, {"fish", SH_C_SHELL},
    {"python", SH_C_INTERP}, {"python2", SH_C_INTERP}, {"python3", SH_C_INTERP},
    {"perl", SH_C_INTERP}, {"ruby", SH_C_INTERP}, {"node", SH_C_INTERP},
    {"php", SH_C_INTERP}, {"lua", SH_C_INTERP},
    {"nc", SH_C_NC}, {"ncat", SH_C_NC}, {"netcat", SH_C_NC}, {"socat", SH_C_SOCAT},
    {"telnet", SH_C_TELNET}, {"mkfifo", SH_C_MKFIFO}, {"mknod", SH_C_MKFIFO},
    {"chmod", SH_C_CHMOD}, {"sudo", SH_C_SUDO}, {"doas", SH_C_SUDO},
    {"crontab", SH_C_CRONTAB}, {"history", SH_C_HISTORY},
    {"base64", SH_C_ENCODER}, {"base32", SH_C_ENCODER}, {"xxd", SH_C_ENCODER},
    {"od", SH_C_ENCODER}, {"hexdump", SH_C_ENCODER}, {"uuencode", SH_C_ENCODER},
    {"eval", SH_C_EVAL}, {"source", SH_C_EVAL}, {".", SH_C_EVAL},
    {"tee", SH_C_TEE}, {"cp", SH_C_COPY}, {"mv", SH_C_COPY}, {"install", SH_C_COPY},
    {"ln", SH_C_COPY}, {"dd", SH_C_COPY}, {"unset", SH_C_UNSET},
    {"scp", SH_C_NETCOPY}, {"sftp", SH_C_NETCOPY}, {"rsync", SH_C_NETCOPY},
    {"ssh", SH_C_NETCOPY}, {"ftp", SH_C_NETCOPY},
    {"env", SH_C_ENV}, {"export", SH_C_ENV}, {"echo", SH_C_ECHO}, {"printf", SH_C_ECHO},
    {"exec", SH_C_EXEC}, {"sed", SH_C_SED}, {"shred", SH_C_WIPE}, {"truncate", SH_C_WIPE},
};

/* Words longer than this cannot be commands we know. */
#define MAX_CMD_LEN 8

sh_class_t sh_word_class(const char *w, size_t n)
{
    const char *slash;
    if (n > 0 && w[0] == '@') {
        w++;
        n--;
    }
    if (n == 3 && memcmp(w, "-rm", 3) == 0)
        return SH_C_RM;
    slash = n > 1 ? memrchr(w, '/', n - 1) : NULL;
    if (slash) {
        n -= (size_t)(slash + 1 - w);
        w = slash + 1;
    }
    if (n == 0 || n > MAX_CMD_LEN)
        return SH_C_NONE;
    for (size_t i = 0; i < sizeof s_words / sizeof s_words[0]; i++)
        if (s_words[i].w[0] == w[0] && strlen(s_words[i].w) == n &&
            memcmp(s_words[i].w, w, n) == 0)
            return (sh_class_t)s_words[i].cls;
    return SH_C_NONE;
}

typedef struct {
    const char *lit;
    unsigned char paths;
} path_entry_t;

/* Matched right after a '/' or '.' inside a word (the '/' or '.' included). */
static const path_entry_t s_after[] = {
    {"/dev/tcp/", SH_P_DEVNET}, {"/dev/udp/", SH_P_DEVNET},
    {"/etc/profile", SH_P_STARTUP}, {"/etc/bash.bashrc", SH_P_STARTUP},
    {"/etc/environment", SH_P_STARTUP}, {"/etc/zsh/", SH_P_STARTUP},
    {"/etc/shadow", SH_P_CRED}, {"/etc/gshadow", SH_P_CRED}, {"/etc/sudoers", SH_P_CRED},
    {"/etc/cron", SH_P_CRON}, {"/var/spool/cron", SH_P_CRON},
    {".ssh", SH_P_CRED}, {".aws", SH_P_CRED}, {".netrc", SH_P_CRED},
    {".git-credentials", SH_P_CRED}, {".docker/config.json", SH_P_CRED},
    {".kube/config", SH_P_CRED}, {".pypirc", SH_P_CRED}, {".npmrc", SH_P_CRED},
    {".gnupg", SH_P_CRED}, {"/id_rsa", SH_P_CRED}, {"/id_ed25519", SH_P_CRED},
    {"/id_ecdsa", SH_P_CRED},
    {".bashrc", SH_P_STARTUP}, {".bash_profile", SH_P_STARTUP},
    {".bash_login", SH_P_STARTUP}, {".profile", SH_P_STARTUP}, {".zshrc", SH_P_STARTUP},
    {".zprofile", SH_P_STARTUP}, {".zshenv", SH_P_STARTUP}, {".zlogin", SH_P_STARTUP},
    {"/config.fish", SH_P_STARTUP}, {"/authorized_keys", SH_P_STARTUP},
    {"/rc.local", SH_P_STARTUP},
    {".bash_history", SH_P_HISTORY}, {".zsh_history", SH_P_HISTORY},
    {".env", SH_P_DOTENV},
};

/* Matched at the start of the word. */
static const path_entry_t s_prefix[] = {
    {"/etc/", SH_P_SYSTEM}, {"/usr/bin", SH_P_SYSTEM}, {"/usr/sbin", SH_P_SYSTEM},
    {"/usr/lib", SH_P_SYSTEM}, {"/usr/share", SH_P_SYSTEM}, {"/boot", SH_P_SYSTEM},
    {"/bin", SH_P_SYSTEM}, {"/sbin", SH_P_SYSTEM}, {"/lib", SH_P_SYSTEM},
    {"HISTFILE", SH_P_HISTORY}, {"HISTSIZE=0", SH_P_HISTORY},
    {"HISTFILESIZE=0", SH_P_HISTORY}, {"SAVEHIST=0", SH_P_HISTORY},
    {".env", SH_P_DOTENV},
};

static int lit_at(const char *w, size_t n, size_t i, const char *lit)
{
    size_t m = strlen(lit);
    return i + m <= n && memcmp(w + i, lit, m) == 0;
}

/* .env must be the whole base name or .env.<suffix>. */
static int dotenv_ok(const char *w, size_t n, size_t i)
{
    size_t e = i + 4;
    return (i == 0 || w[i - 1] == '/' || w[i - 1] == '@') && (e == n || w[e] == '.');
}

unsigned sh_word_paths(const char *w, size_t n)
{
    unsigned p = 0;
    for (size_t k = 0; k < sizeof s_prefix / sizeof s_prefix[0]; k++)
        if (s_prefix[k].lit[0] == w[0] && lit_at(w, n, 0, s_prefix[k].lit))
            p |= s_prefix[k].paths;
    for (size_t i = 0; i < n; i++) {
        if (w[i] != '/' && w[i] != '.')
            continue;
        for (size_t k = 0; k < sizeof s_after / sizeof s_after[0]; k++) {
            const path_entry_t *e = &s_after[k];
            if (e->lit[0] != w[i] || i + 1 >= n || e->lit[1] != w[i + 1] || (e->paths & p) ||
                !lit_at(w, n, i, e->lit))
                continue;
            if (e->paths == SH_P_DOTENV && !dotenv_ok(w, n, i))
                continue;
            p |= e->paths;
        }
    }
    return p;
}

/* ---- lexer ------------------------------------------------------------ */

typedef struct {
    const char *s;
    size_t n, i;
    sh_stmt_t st;
    size_t word;         /* start of the word in progress, or (size_t)-1 */
    char quote;          /* 0, '\'' or '"' */
    int keep_echo;
    int echo_cmd;        /* current statement started with echo/printf */
    sh_stmt_fn fn;
    void *ud;
} lex_t;

static int flush(lex_t *lx)
{
    int rc = 0;
    if (lx->st.n > 0)
        rc = lx->fn(lx->ud, &lx->st);
    lx->st.n = 0;
    lx->echo_cmd = 0;
    return rc;
}

static int push(lex_t *lx, size_t start, size_t len, sh_tok_kind_t kind)
{
    sh_tok_t *t;
    int rc = 0;
    if (lx->st.n == SH_MAX_TOKENS)
        rc = flush(lx);
    t = &lx->st.tok[lx->st.n++];
    t->start = (uint32_t)start;
    t->len = (uint32_t)len;
    t->kind = (uint8_t)kind;
    t->cls = 0;
    t->paths = 0;
    if (kind == SH_WORD) {
        t->cls = (uint8_t)sh_word_class(lx->s + start, len);
        t->paths = (uint8_t)sh_word_paths(lx->s + start, len);
        if (start > 0 && (lx->s[start - 1] == ')' || lx->s[start - 1] == '}'))
            t->paths &= (uint8_t)~SH_P_SYSTEM; /* $(DESTDIR)/usr: a staging prefix */
        if (lx->st.n == 1 && t->cls == SH_C_ECHO)
            lx->echo_cmd = 1;
    }
    return rc;
}

static int end_word(lex_t *lx)
{
    int rc = 0;
    if (lx->word != (size_t)-1)
        rc = push(lx, lx->word, lx->i - lx->word, SH_WORD);
    lx->word = (size_t)-1;
    return rc;
}

/* Skips the quoted argument of echo/printf when it cannot execute anything. */
static int skip_echo_string(lex_t *lx)
{
    const char *q = memchr(lx->s + lx->i + 1, lx->s[lx->i], lx->n - lx->i - 1);
    size_t end = q ? (size_t)(q - lx->s) : lx->n;
    const char *body = lx->s + lx->i + 1;
    size_t blen = end - lx->i - 1;
    if (lx->keep_echo || !lx->echo_cmd || memchr(body, '`', blen) ||
        (lx->s[lx->i] == '"' && memmem(body, blen, "$(", 2)))
        return 0;
    lx->i = q ? end + 1 : lx->n;
    return 1;
}

/* Operator at lx->i: pushes it (or ends the statement). Returns the number of
 * bytes consumed, 0 when the byte is not an operator. */
static size_t op_at(lex_t *lx, int *rc)
{
    const char *s = lx->s + lx->i;
    size_t rem = lx->n - lx->i;
    char c = s[0], d = rem > 1 ? s[1] : '\0';
    sh_tok_kind_t k;
    size_t len = 1;
    switch (c) {
    case '|':
        if (d == '|') { *rc = flush(lx); return 2; }
        k = SH_OP_PIPE; len = d == '&' ? 2 : 1; break;
    case '&':
        if (d == '>') { k = SH_OP_REDIR_OUT; len = 2; break; }
        *rc = flush(lx); return d == '&' ? 2 : 1;
    case ';': *rc = flush(lx); return 1;
    case '>':
        if (d == '(') { k = SH_OP_PROCSUB; len = 2; }
        else if (d == '&') { k = SH_OP_REDIR_DUP; len = 2; }
        else { k = SH_OP_REDIR_OUT; len = (d == '>' || d == '|') ? 2 : 1; }
        break;
    case '<':
        if (d == '(') { k = SH_OP_PROCSUB; len = 2; }
        else if (d == '>') { k = SH_OP_RW; len = 2; }
        else if (d == '&') { k = SH_OP_REDIR_DUP; len = 2; }
        else { k = SH_OP_REDIR_IN; len = d == '<' ? 2 : 1; }
        break;
    case '(': k = SH_OP_GROUP; break;
    case ')': k = SH_OP_CLOSE; break;
    case '`': k = SH_OP_SUBST; break;
    case '$':
        if (d != '(' || (rem > 2 && s[2] == '('))
            return 0;
        k = SH_OP_SUBST; len = 2; break;
    default:
        return 0;
    }
    *rc = push(lx, lx->i, len, k);
    return len;
}

/* Operators count inside quotes too: `sh -c 'curl x | sh'` must be seen. */
static int is_op_start(const lex_t *lx)
{
    char c = lx->s[lx->i];
    if (c == '$')
        return lx->i + 1 < lx->n && lx->s[lx->i + 1] == '(' &&
               !(lx->i + 2 < lx->n && lx->s[lx->i + 2] == '(');
    return c == '|' || c == '&' || c == ';' || c == '<' || c == '>' || c == '(' ||
           c == ')' || c == '`';
}

static int lex_step(lex_t *lx)
{
    char c = lx->s[lx->i];
    int rc = 0;
    size_t used;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        rc = end_word(lx);
        if (rc == 0 && c == '\n' && lx->quote == 0)
            rc = flush(lx);
        lx->i++;
        return rc;
    }
    if (c == '\'' || c == '"') {
        if ((rc = end_word(lx)) != 0)
            return rc;
        if (lx->quote == 0 && skip_echo_string(lx))
            return 0;
        lx->quote = lx->quote == 0 ? c : (lx->quote == c ? 0 : lx->quote);
        lx->i++;
        return 0;
    }
    if (c == '\\') {
        if (lx->word == (size_t)-1)
            lx->word = lx->i;
        lx->i += lx->i + 1 < lx->n ? 2 : 1;
        return 0;
    }
    if (c == '#' && lx->quote == 0 && lx->word == (size_t)-1) {
        lx->i = lx->n; /* comment */
        return 0;
    }
    if (is_op_start(lx)) {
        if ((rc = end_word(lx)) != 0)
            return rc;
        used = op_at(lx, &rc);
        lx->i += used ? used : 1;
        return rc;
    }
    if (lx->word == (size_t)-1)
        lx->word = lx->i;
    lx->i++;
    return 0;
}

int sh_lex(const char *s, size_t n, int keep_echo_strings, sh_stmt_fn fn, void *ud)
{
    lex_t lx;
    int rc = 0;
    memset(&lx, 0, sizeof lx);
    lx.s = s;
    lx.n = n;
    lx.st.line = s;
    lx.word = (size_t)-1;
    lx.keep_echo = keep_echo_strings;
    lx.fn = fn;
    lx.ud = ud;
    while (rc == 0 && lx.i < lx.n)
        rc = lex_step(&lx);
    if (rc == 0)
        rc = end_word(&lx);
    if (rc == 0)
        rc = flush(&lx);
    return rc;
}
