/*
 * shell_lex.c: the shell-line lexer and word classifier (see shell_lex.h).
 *
 * One pass over the line; words are classified when they end, with a switch
 * on the first character and short fixed comparisons, so the cost per byte
 * stays a few table look-ups.
 */
#include "shell_lex.h"
#include "an_text.h"
#include "shell_words.h"

#include <string.h>

static int an_ident(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* `$SHELL`, `${SHELL}`, `${SHELL:-sh}`, `$BASH`: the user's shell by name. */
static int shell_variable(const char *w, size_t n)
{
    size_t i = 1, k;
    if (n < 2 || w[0] != '$')
        return 0;
    if (w[1] == '{')
        i = 2;
    for (k = i; k < n && an_ident((unsigned char)w[k]); k++)
        ;
    return (k - i == 5 && memcmp(w + i, "SHELL", 5) == 0) || (k - i == 4 && memcmp(w + i, "BASH", 4) == 0);
}

/* A command name's class: `\curl` is curl (the backslash only skips an
 * alias), `python3.11`, `ruby3.1`, `php8.2`, `lua5.4` are their interpreter. */
static sh_class_t name_class(const char *w, size_t n)
{
    static const char *const versioned[] = {"python", "pypy", "ruby", "perl", "php", "lua", "node"};
    sh_class_t c;
    if (n > 1 && w[0] == '\\') {
        w++;
        n--;
    }
    c = sh_command_class(w, n);
    if (c != SH_C_NONE || n < 4 || !(w[n - 1] >= '0' && w[n - 1] <= '9'))
        return c;
    for (size_t k = 0; k < sizeof versioned / sizeof versioned[0]; k++) {
        size_t m = strlen(versioned[k]), i = m;
        if (n <= m || memcmp(w, versioned[k], m) != 0)
            continue;
        while (i < n && ((w[i] >= '0' && w[i] <= '9') || w[i] == '.'))
            i++;
        if (i == n && w[m] != '.')
            return SH_C_INTERP;
    }
    return SH_C_NONE;
}

sh_class_t sh_word_class(const char *w, size_t n)
{
    const char *slash;
    if (shell_variable(w, n))
        return SH_C_SHELL;
    if (n > 0 && w[0] == '@') {
        w++;
        n--;
    }
    if (n == 3 && memcmp(w, "-rm", 3) == 0)
        return SH_C_RM;
    slash = NULL;
    for (size_t i = n > 0 ? n - 1 : 0; i-- > 0;)
        if (w[i] == '/') {
            slash = w + i;
            break;
        }
    if (slash) {
        n -= (size_t)(slash + 1 - w);
        w = slash + 1;
    }
    return n == 0 ? SH_C_NONE : name_class(w, n);
}

typedef struct {
    const char *lit;
    size_t len;
    unsigned char paths;
} path_entry_t;

#define P(lit, f) {lit, sizeof(lit) - 1, f}

/* Matched at a '/' or '.' inside a word (the '/' or '.' included), grouped by
 * their first two bytes so each position costs one switch. */
static const path_entry_t s_after_dota[] = {P(".aws", SH_P_CRED)};
static const path_entry_t s_after_dotb[] = {
    P(".bashrc", SH_P_STARTUP),
    P(".bash_profile", SH_P_STARTUP),
    P(".bash_login", SH_P_STARTUP),
    P(".bash_history", SH_P_HISTORY),
};
static const path_entry_t s_after_dotd[] = {P(".docker/config.json", SH_P_CRED)};
static const path_entry_t s_after_dote[] = {P(".env", SH_P_DOTENV)};
static const path_entry_t s_after_dotg[] = {
    P(".git-credentials", SH_P_CRED),
    P(".gnupg", SH_P_CRED),
};
static const path_entry_t s_after_dotk[] = {P(".kube/config", SH_P_CRED)};
static const path_entry_t s_after_dotn[] = {P(".netrc", SH_P_CRED), P(".npmrc", SH_P_CRED)};
static const path_entry_t s_after_dotp[] = {P(".pypirc", SH_P_CRED), P(".profile", SH_P_STARTUP)};
/* ~/.ssh/rc runs at every ssh login */
static const path_entry_t s_after_dots[] = {P(".ssh/rc", SH_P_STARTUP), P(".ssh", SH_P_CRED)};
/* a user's systemd units start with the session */
static const path_entry_t s_after_dotc[] = {
    P(".config/systemd/user", SH_P_STARTUP),
    P(".config/gh/hosts.yml", SH_P_CRED),   /* the GitHub CLI's token */
    P(".config/gcloud", SH_P_CRED),         /* gcloud's credentials and ADC */
};
static const path_entry_t s_after_dotz[] = {
    P(".zshrc", SH_P_STARTUP),
    P(".zprofile", SH_P_STARTUP),
    P(".zshenv", SH_P_STARTUP),
    P(".zlogin", SH_P_STARTUP),
    P(".zsh_history", SH_P_HISTORY),
};
static const path_entry_t s_after_slasha[] = {P("/authorized_keys", SH_P_STARTUP)};
static const path_entry_t s_after_slashc[] = {P("/config.fish", SH_P_STARTUP)};
static const path_entry_t s_after_slashd[] = {
    P("/dev/tcp/", SH_P_DEVNET),
    P("/dev/udp/", SH_P_DEVNET),
};
static const path_entry_t s_after_slashe[] = {
    P("/etc/profile", SH_P_STARTUP),
    P("/etc/bash.bashrc", SH_P_STARTUP),
    P("/etc/environment", SH_P_STARTUP),
    P("/etc/zsh/", SH_P_STARTUP),
    P("/environ", SH_P_CRED),   /* /proc/self/environ, /proc/<pid>/environ: the secrets a job was given */
    P("/etc/shadow", SH_P_CRED),
    P("/etc/gshadow", SH_P_CRED),
    P("/etc/sudoers", SH_P_CRED),
    P("/etc/cron", SH_P_CRON),
};
static const path_entry_t s_after_slashi[] = {
    P("/id_rsa", SH_P_CRED),
    P("/id_ed25519", SH_P_CRED),
    P("/id_ecdsa", SH_P_CRED),
};
static const path_entry_t s_after_slashr[] = {
    P("/rc.local", SH_P_STARTUP),
    P("/run/secrets/", SH_P_CRED),   /* Kubernetes and Docker secrets, the service-account token */
};
/* imported by every Python start (site.py) */
static const path_entry_t s_after_slashs[] = {P("/sitecustomize.py", SH_P_STARTUP)};
static const path_entry_t s_after_slashu[] = {P("/usercustomize.py", SH_P_STARTUP)};
static const path_entry_t s_after_slashv[] = {P("/var/spool/cron", SH_P_CRON), P("/var/run/secrets/", SH_P_CRED)};

#define GROUP(g) do { *t = g; return sizeof g / sizeof g[0]; } while (0)
static size_t after_group(char c0, char c1, const path_entry_t **t)
{
    if (c0 == '/') {
        switch (c1) {
        case 'a': GROUP(s_after_slasha);
        case 'c': GROUP(s_after_slashc);
        case 'd': GROUP(s_after_slashd);
        case 'e': GROUP(s_after_slashe);
        case 'i': GROUP(s_after_slashi);
        case 'r': GROUP(s_after_slashr);
        case 's': GROUP(s_after_slashs);
        case 'u': GROUP(s_after_slashu);
        case 'v': GROUP(s_after_slashv);
        default: return 0;
        }
    }
    switch (c1) {
    case 'a': GROUP(s_after_dota);
    case 'b': GROUP(s_after_dotb);
    case 'c': GROUP(s_after_dotc);
    case 'd': GROUP(s_after_dotd);
    case 'e': GROUP(s_after_dote);
    case 'g': GROUP(s_after_dotg);
    case 'k': GROUP(s_after_dotk);
    case 'n': GROUP(s_after_dotn);
    case 'p': GROUP(s_after_dotp);
    case 's': GROUP(s_after_dots);
    case 'z': GROUP(s_after_dotz);
    default: return 0;
    }
}
#undef GROUP

/* Matched at the start of the word. */
static const path_entry_t s_prefix[] = {
    P("/etc/", SH_P_SYSTEM), P("/usr/bin", SH_P_SYSTEM), P("/usr/sbin", SH_P_SYSTEM),
    P("/usr/lib", SH_P_SYSTEM), P("/usr/share", SH_P_SYSTEM), P("/boot", SH_P_SYSTEM),
    P("/bin", SH_P_SYSTEM), P("/sbin", SH_P_SYSTEM), P("/lib", SH_P_SYSTEM),
    P("HISTFILE", SH_P_HISTORY), P("HISTSIZE=0", SH_P_HISTORY),
    P("HISTFILESIZE=0", SH_P_HISTORY), P("SAVEHIST=0", SH_P_HISTORY),
    P(".env", SH_P_DOTENV),
};

static int lit_at(const char *w, size_t n, size_t i, const path_entry_t *e)
{
    return i + e->len <= n && memcmp(w + i, e->lit, e->len) == 0;
}

/* A name entry (.aws, .ssh, /id_rsa...) must end there: ".aws_role" is not
 * ".aws". Entries ending in '/' and the /etc/cron prefix are prefixes. */
static int name_ends(const char *w, size_t n, size_t i, const path_entry_t *e)
{
    size_t end = i + e->len;
    if (e->lit[e->len - 1] == '/' || e->paths == SH_P_CRON || end >= n)
        return 1;
    return !(an_ident((unsigned char)w[end]) || w[end] == '-');
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
    size_t sep = 0;
    while (sep < n && w[sep] != '/' && w[sep] != '.')
        sep++;
    if (n == 0 || (w[0] != '/' && w[0] != 'H' && w[0] != 'S' && sep == n))
        return 0;
    if (w[0] == '/' || w[0] == 'H' || w[0] == 'S' || w[0] == '.')
        for (size_t k = 0; k < sizeof s_prefix / sizeof s_prefix[0]; k++)
            if (s_prefix[k].lit[0] == w[0] && n > 1 && s_prefix[k].lit[1] == w[1] &&
                lit_at(w, n, 0, &s_prefix[k]))
                p |= s_prefix[k].paths;
    for (size_t i = 0; i + 1 < n; i++) {
        const path_entry_t *g;
        size_t cnt;
        if ((w[i] != '/' && w[i] != '.') || (cnt = after_group(w[i], w[i + 1], &g)) == 0)
            continue;
        for (size_t k = 0; k < cnt; k++) {
            const path_entry_t *e = &g[k];
            if ((e->paths & p) || !lit_at(w, n, i, e) || !name_ends(w, n, i, e))
                continue;
            if (e->paths == SH_P_DOTENV && !dotenv_ok(w, n, i))
                continue;
            p |= e->paths;
        }
    }
    return p;
}

/* Class and path facts of one word in a single pass over its bytes. */
/* Class and path facts of one word; slash is the offset of its last '/'
 * ((size_t)-1 when none) and dot whether it holds a '.', both noted by the
 * lexer while it scanned the word. */
static void classify_word(const char *w, size_t n, size_t slash, int dot, sh_tok_t *t)
{
    size_t cn = n;
    const char *cw = w;
    if (slash != (size_t)-1 && slash + 1 < n) {
        cw = w + slash + 1;
        cn = n - slash - 1;
    } else if (n > 0 && w[0] == '@') {
        cw++;
        cn--;
    }
    if (cn == 3 && memcmp(cw, "-rm", 3) == 0)
        t->cls = SH_C_RM;
    else if (n > 1 && w[0] == '$' && shell_variable(w, n))
        t->cls = SH_C_SHELL;
    else
        t->cls = (uint8_t)(cn ? name_class(cw, cn) : SH_C_NONE);
    t->paths = (slash != (size_t)-1 || dot || (n > 0 && (w[0] == 'H' || w[0] == 'S')))
                   ? (uint8_t)sh_word_paths(w, n)
                   : 0;
}

/* Line prefilter (generated into shell_words.c from shell_words.txt): a line
 * can only produce a finding when some byte pair (c, next) starts a word any
 * rule keys on at a word start, or a path or decoding escape any rule keys on
 * anywhere: sh_pf_first[c] & sh_pf_second[next] & sh_pf_after[prev] is not
 * zero. It may let through lines without findings, never the reverse (the
 * corpus test runs every case with and without it). */
int sh_line_may_match(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t hit = 0;
    if (n < 2)
        return 0;
    hit = sh_pf_first[u[0]] & sh_pf_second[u[1]];
    for (size_t i = 1; i + 1 < n && !hit;) {
        size_t end = i + 16 < n - 1 ? i + 16 : n - 1; /* branch once per 16 bytes */
        for (; i < end; i++)
            hit |= sh_pf_first[u[i]] & sh_pf_second[u[i + 1]] & sh_pf_after[u[i - 1]];
    }
    return hit != 0;
}

/* ---- lexer ------------------------------------------------------------ */

typedef struct {
    const char *s;
    size_t n, i;
    sh_stmt_t st;
    size_t word;         /* start of the word in progress, or (size_t)-1 */
    size_t w_slash;      /* position of its last '/', or (size_t)-1 */
    int w_dot;           /* it holds a '.' */
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
    lx->st.classes = 0;
    lx->st.paths = 0;
    lx->echo_cmd = 0;
    return rc;
}

/* Literal flags the rules look at (rm, nc/ncat, interpreters, history...). */
static int important_long_flag(const char *w, size_t n)
{
    static const char *const keep[] = {"--no-preserve-root", "--recursive", "--exec",
                                       "--sh-exec", "--lua-exec", "--command"};
    for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
        if (strlen(keep[k]) == n && memcmp(keep[k], w, n) == 0)
            return 1;
    return 0;
}

/* A word no rule looks at: no class, no path facts, and not a short flag,
 * a rule's long flag or a short path-like argument (rm's "/", "~", "$HOME",
 * /usr/lib...). */
static int droppable(const lex_t *lx, const sh_tok_t *t)
{
    const char *w = lx->s + t->start;
    if (t->kind != SH_WORD || t->cls != SH_C_NONE || t->paths != 0)
        return 0;
    if ((w[0] == '-' || w[0] == '+') && (t->len <= 8 || important_long_flag(w, t->len)))
        return 0;
    return !((w[0] == '/' || w[0] == '~' || w[0] == '$') && t->len <= 16);
}

static int same_word(const lex_t *lx, const sh_tok_t *a, const sh_tok_t *b)
{
    return a->kind == SH_WORD && b->kind == SH_WORD && a->len == b->len &&
           memcmp(lx->s + a->start, lx->s + b->start, a->len) == 0;
}

/* A full statement is never split (padding a command with arguments or
 * continued lines must not separate `curl` from `| sh` or `rm -rf` from `/`):
 * words no rule looks at and repeated words are dropped; when that frees
 * nothing, the second half is given up for the newest tokens. The first
 * token always stays. */
static unsigned word_hash(const lex_t *lx, const sh_tok_t *t)
{
    unsigned h = 2166136261u;
    for (uint32_t i = 0; i < t->len; i++)
        h = (h ^ (unsigned char)lx->s[t->start + i]) * 16777619u;
    return h;
}

static void compact(lex_t *lx)
{
    unsigned char slot[256]; /* open addressing: kept word index + 1, 0 empty */
    unsigned o = 1;
    memset(slot, 0, sizeof slot);
    for (unsigned i = 1; i < lx->st.n; i++) {
        const sh_tok_t *t = &lx->st.tok[i];
        int dup = 0;
        unsigned h = 0;
        if (droppable(lx, t))
            continue;
        if (t->kind == SH_WORD) {
            for (h = word_hash(lx, t) & 255; slot[h] && !dup; h = (h + 1) & 255)
                dup = same_word(lx, &lx->st.tok[slot[h] - 1], t);
            if (dup)
                continue;
            slot[h] = (unsigned char)(o + 1);
        }
        lx->st.tok[o++] = *t;
    }
    lx->st.n = o < SH_MAX_TOKENS ? o : SH_MAX_TOKENS / 2;
}

/* The statement so far is one shell keyword (then, do, else...): the next
 * word is in command position. */
static int keyword_before(const lex_t *lx)
{
    static const char *const kws[] = {"then", "do", "else", "elif", "if", "while", "until",
                                      "!", "{", "time"};
    const sh_tok_t *t = &lx->st.tok[0];
    for (size_t k = 0; t->kind == SH_WORD && k < sizeof kws / sizeof kws[0]; k++)
        if (strlen(kws[k]) == t->len && memcmp(lx->s + t->start, kws[k], t->len) == 0)
            return 1;
    return 0;
}

static int push(lex_t *lx, size_t start, size_t len, sh_tok_kind_t kind)
{
    sh_tok_t *t;
    int rc = 0;
    if (lx->st.n == SH_MAX_TOKENS)
        compact(lx);
    t = &lx->st.tok[lx->st.n++];
    t->start = (uint32_t)start;
    t->len = (uint32_t)len;
    t->kind = (uint8_t)kind;
    t->cls = 0;
    t->paths = 0;
    if (kind == SH_WORD) {
        classify_word(lx->s + start, len, lx->w_slash == (size_t)-1 ? (size_t)-1
                                                                     : lx->w_slash - start,
                      lx->w_dot, t);
        if (t->cls == SH_C_FETCHCMD)
            t->cls = sh_command_start(&lx->st, lx->st.n - 1) ? SH_C_FETCH : SH_C_NONE;
        if (start > 0 && (lx->s[start - 1] == ')' || lx->s[start - 1] == '}'))
            t->paths &= (uint8_t)~SH_P_SYSTEM; /* $(DESTDIR)/usr: a staging prefix */
        if (t->cls == SH_C_ECHO && (lx->st.n == 1 || (lx->st.n == 2 && keyword_before(lx))))
            lx->echo_cmd = 1;
        lx->st.classes |= 1u << t->cls;
        lx->st.paths |= t->paths;
    }
    return rc;
}

static void word_begin(lex_t *lx)
{
    if (lx->word == (size_t)-1) {
        lx->word = lx->i;
        lx->w_slash = (size_t)-1;
        lx->w_dot = 0;
    }
}

static int end_word(lex_t *lx)
{
    int rc = 0;
    if (lx->word != (size_t)-1)
        rc = push(lx, lx->word, lx->i - lx->word, SH_WORD);
    lx->word = (size_t)-1;
    return rc;
}

/* Skips the quoted argument of echo/printf when it cannot execute anything.
 * A redirection's target is never skipped (`echo … >> "$HOME/.bashrc"`). */
static int skip_echo_string(lex_t *lx)
{
    if (lx->st.n > 0 && (lx->st.tok[lx->st.n - 1].kind == SH_OP_REDIR_OUT ||
                         lx->st.tok[lx->st.n - 1].kind == SH_OP_REDIR_IN))
        return 0;
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

/* 1: bytes that end a word or start something; 2 '/' and 3 '.' are word
 * bytes the lexer notes for classify_word; 0: plain word bytes. */
static const unsigned char s_special[256] = {
    ['/'] = 2, ['.'] = 3,
    [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, ['\''] = 1, ['"'] = 1, ['\\'] = 1,
    ['#'] = 1, ['|'] = 1, ['&'] = 1, [';'] = 1, ['<'] = 1, ['>'] = 1, ['('] = 1, [')'] = 1,
    ['`'] = 1, ['$'] = 1,
};

/* Unquoted `$IFS` or `${IFS…}` expands to the separators themselves, so
 * the shell splits the word there: `curl${IFS}-s${IFS}URL` is three words.
 * Returns the bytes of the expansion at lx->i, 0 when there is none. */
static size_t ifs_at(const lex_t *lx)
{
    const char *s = lx->s + lx->i;
    size_t rem = lx->n - lx->i;
    if (lx->quote != 0)
        return 0;
    if (rem >= 4 && memcmp(s, "$IFS", 4) == 0 && (rem == 4 || !an_is_ident((unsigned char)s[4])))
        return 4;
    if (rem >= 6 && memcmp(s, "${IFS", 5) == 0 && !an_is_ident((unsigned char)s[5])) {
        const char *close = memchr(s + 5, '}', rem - 5);
        return close ? (size_t)(close - s) + 1 : 0;
    }
    return 0;
}

static int lex_step(lex_t *lx)
{
    char c = lx->s[lx->i];
    int rc = 0;
    size_t used;
    if (s_special[(unsigned char)c] != 1) {
        const unsigned char *u = (const unsigned char *)lx->s;
        size_t i = lx->i, n = lx->n;
        unsigned char k;
        word_begin(lx);
        for (;;) {
            while (i < n && (k = s_special[u[i]]) == 0)
                i++;
            if (i >= n || k == 1)
                break;
            if (k == 2)
                lx->w_slash = i;
            else
                lx->w_dot = 1;
            i++;
        }
        lx->i = i;
        return 0;
    }
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
        word_begin(lx);
        lx->i += lx->i + 1 < lx->n ? 2 : 1;
        return 0;
    }
    if (c == '#' && lx->quote == 0 && lx->word == (size_t)-1) {
        lx->i = lx->n; /* comment */
        return 0;
    }
    if (c == '$' && (used = ifs_at(lx)) != 0) {
        rc = end_word(lx);
        lx->i += used;
        return rc;
    }
    if (is_op_start(lx)) {
        if ((rc = end_word(lx)) != 0)
            return rc;
        used = op_at(lx, &rc);
        lx->i += used ? used : 1;
        return rc;
    }
    word_begin(lx);
    lx->i++;
    return 0;
}

int sh_lex(const char *s, size_t n, int keep_echo_strings, sh_stmt_fn fn, void *ud)
{
    lex_t lx;
    int rc = 0;
    /* the token array is not zeroed: only st.n tokens are ever read */
    lx.s = s;
    lx.n = n;
    lx.i = 0;
    lx.st.line = s;
    lx.st.line_len = n;
    lx.st.n = 0;
    lx.st.classes = 0;
    lx.st.paths = 0;
    lx.quote = 0;
    lx.echo_cmd = 0;
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

int sh_stdin_path(const char *w, size_t n)
{
    static const char *const paths[] = {"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"};
    while (n > 0 && (w[n - 1] == '"' || w[n - 1] == '\''))
        n--;
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++)
        if (strlen(paths[k]) == n && memcmp(paths[k], w, n) == 0)
            return 1;
    return 0;
}

int sh_command_start(const sh_stmt_t *st, unsigned i)
{
    static const char *const keywords[] = {"then", "do", "else", "RUN", "!", "time", "{"};
    const sh_tok_t *p;
    if (i == 0)
        return 1;
    p = &st->tok[i - 1];
    if (p->kind == SH_OP_PIPE || p->kind == SH_OP_SUBST || p->kind == SH_OP_GROUP ||
        p->kind == SH_OP_PROCSUB || p->kind == SH_OP_CLOSE)
        return 1;
    if (p->kind != SH_WORD)
        return 0;
    if (p->cls == SH_C_SUDO || p->cls == SH_C_ENV || p->cls == SH_C_EXEC)
        return 1;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (strlen(keywords[k]) == p->len && memcmp(st->line + p->start, keywords[k], p->len) == 0)
            return 1;
    return 0;
}
