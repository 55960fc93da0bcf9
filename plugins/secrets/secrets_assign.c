/*
 * secrets_assign.c: secrets found by their name: the generic "secret-like
 * name = high-entropy value" rule (keywords noted at candidate positions,
 * the assignments checked at the end of the line, so a value already
 * reported as a known format is not reported again), and AWS secret access
 * keys by context (a name AWS gives them, blanks instead of an operator, or
 * within 5 lines after an access key id).
 */
#include "secrets_internal.h"

#include <string.h>

#include "an_text.h"

static const char *const s_placeholders[] = {
    "xxxx", "****", "....", "example", "changeme", "change_me", "change-me",
    "placeholder", "dummy", "your_", "your-", "yours", "redacted", "replace",
    "insert", "todo", "fixme", "sample", "foobar", "<", "${", "{{", "%s", "%(",
    "$(", "process.env", "environ", "getenv", "secret", "token", "password",
    "passwd", "://", "test", "fake", "none", "null", "undefined", "config", "key",
    "private", "auth", "credential",
};

static int in_set(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

/* Start of the key text that ends at op: back to the previous separator. */
static size_t key_start(const line_t *ln, size_t op)
{
    size_t lim = op > 48 ? op - 48 : 0, i = op;
    while (i > lim) {
        char c = ln->s[i - 1];
        if (c == ';' || c == ',' || c == '(' || c == '{' || c == '&' || c == '|' || c == '=')
            break;
        i--;
    }
    return i;
}

static int ci_at(const char *k, size_t n, size_t i, const char *lit, size_t m)
{
    if (i + m > n)
        return 0;
    for (size_t j = 0; j < m; j++)
        if (an_lower((unsigned char)k[i + j]) != (unsigned char)lit[j])
            return 0;
    return 1;
}

#define KW(lit) (ci_at(k, n, i, lit, sizeof(lit) - 1) ? (lit) : NULL)

/* The keyword at k[i] (without "author" and "tokeniz..."). */
static const char *keyword_at(const char *k, size_t n, size_t i)
{
    const char *r = NULL;
    switch (an_lower((unsigned char)k[i])) {
    case 's': return KW("secret");
    case 't':
        r = KW("token");
        return (r && i + 5 < n && an_lower((unsigned char)k[i + 5]) == 'i') ? NULL : r;
    case 'p':
        if ((r = KW("passwd")) || (r = KW("password")))
            return r;
        return KW("private_key");
    case 'a':
        if ((r = KW("auth")))
            return (i + 4 < n && an_lower((unsigned char)k[i + 4]) == 'o') ? NULL : r;
        if ((r = KW("api_key")) || (r = KW("apikey")) || (r = KW("api-key")))
            return r;
        return KW("access_key");
    case 'c':
        if ((r = KW("credential")))
            return r;
        return KW("client_key");
    default:
        return NULL;
    }
}

/* Records a keyword starting at s[i], if any. When the list is full, the
 * pending assignments are settled with the keywords known so far and the
 * older half is forgotten, so decoy keywords cannot push a real one out. */
int sec_note_keyword(line_t *ln, size_t i)
{
    const char *kw = keyword_at(ln->s, ln->n, i);
    int rc = 0;
    if (!kw)
        return 0;
    if (ln->n_kw == MAX_OPS) {
        rc = sec_flush_ops(ln);
        memmove(ln->kw_pos, ln->kw_pos + MAX_OPS / 2, (MAX_OPS / 2) * sizeof ln->kw_pos[0]);
        memmove(ln->kw, ln->kw + MAX_OPS / 2, (MAX_OPS / 2) * sizeof ln->kw[0]);
        ln->n_kw = MAX_OPS / 2;
    }
    ln->kw_pos[ln->n_kw] = i;
    ln->kw[ln->n_kw++] = kw;
    return rc;
}

/* The keyword inside the key text [ks, op), or NULL. */
static const char *key_keyword(const line_t *ln, size_t ks, size_t op)
{
    for (unsigned k = ln->n_kw; k-- > 0;)
        if (ln->kw_pos[k] >= ks && ln->kw_pos[k] < op)
            return ln->kw[k];
    return NULL;
}

static int is_placeholder(const char *v, size_t n)
{
    size_t same = 1;
    if (v[0] == '$' || v[0] == '/' || (v[0] == '.' && n > 1 && v[1] == '/'))
        return 1;
    for (size_t i = 0; i < sizeof s_placeholders / sizeof s_placeholders[0]; i++)
        if (an_find_ci(v, n, s_placeholders[i]) != (size_t)-1)
            return 1;
    for (size_t i = 1; i < n; i++)
        same += v[i] == v[0];
    return same == n;
}

/* A value that is not the secret but what protects it: a SOPS-encrypted
 * value (ENC[AES256_GCM,…]) or a password hash (Django's
 * pbkdf2_sha256$…, argon2$…, bcrypt$…). */
static int protected_value(const char *v, size_t n)
{
    static const char *const prefixes[] = {"ENC[", "pbkdf2_", "argon2", "bcrypt$", "scrypt$", "sha1$", "md5$"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t m = strlen(prefixes[i]);
        if (n > m && memcmp(v, prefixes[i], m) == 0)
            return 1;
    }
    return 0;
}

/* A regular expression (a password policy, a token pattern to redact): two
 * or more of its marks - a class range ([A-Z, [a-z, [0-9), a class with a
 * quantifier (]{ ]+ ]*), a lookahead or group ((?), \d. A generated secret
 * rarely holds one, never two. */
static int regex_value(const char *v, size_t n)
{
    static const char *const marks[] = {"[A-Z", "[a-z", "[0-9", "]{", "]+", "]*", "(?", "\\d"};
    unsigned seen = 0;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0] && seen < 2; i++)
        seen += an_find(v, n, marks[i]) != (size_t)-1;
    return seen >= 2;
}

/* A bare value runs to white space, a quote or code punctuation; '#' and
 * '&' belong to it (generated passwords use them; a comment starts with
 * white space before its '#'). */
static int bare_char(unsigned char c)
{
    return c > ' ' && c < 0x7f && !in_set((char)c, "'\"`,;(){}[]<>");
}

/* Finds the value after the operator: a quoted literal or a bare token.
 * Returns 0 when there is none (code, call, empty). */
static int value_at(const line_t *ln, size_t i, size_t *vs, size_t *vn, int *quoted)
{
    i = an_skip_space(ln->s, ln->n, i);
    if (i + 1 < ln->n && in_set(ln->s[i], "brfuBRFU") && in_set(ln->s[i + 1], "'\""))
        i++;
    if (i < ln->n && in_set(ln->s[i], "'\"`")) {
        const char *q = memchr(ln->s + i + 1, ln->s[i], ln->n - i - 1);
        if (!q)
            return 0;
        *vs = i + 1;
        *vn = (size_t)(q - ln->s) - i - 1;
        *quoted = 1;
        return 1;
    }
    *vs = i;
    *vn = 0;
    if (i < ln->n && ln->s[i] == '#')
        return 0; /* a comment */
    while (i + *vn < ln->n && bare_char((unsigned char)ln->s[i + *vn]))
        (*vn)++;
    *quoted = 0;
    return *vn > 0 && (i + *vn >= ln->n || ln->s[i + *vn] != '(');
}

/* A secret mixes at least two of: lower case, upper case, digits, symbols
 * ('-', '_' and '.' are word separators, not symbols); a bare value needs a
 * digit and a letter. Dotted names (module.Class) are code, not secrets. */
static int value_classes_ok(const char *v, size_t n, int quoted)
{
    int lo = 0, up = 0, dg = 0, sym = 0, dot = 0, ident = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == ' ' || c == '\t')
            return 0;
        lo |= c >= 'a' && c <= 'z';
        up |= c >= 'A' && c <= 'Z';
        dg |= c >= '0' && c <= '9';
        dot |= c == '.';
        sym |= !sec_is_alnum(c) && c != '-' && c != '_' && c != '.';
        ident &= an_is_ident(c) || c == '.';
    }
    if (dot && ident && !(v[0] >= '0' && v[0] <= '9'))
        return 0;
    if (lo + up + dg + sym < 2)
        return 0;
    return quoted || (dg && (lo || up));
}

/* An AWS secret access key: exactly 40 [A-Za-z0-9/+], mixed classes. */
static int aws_secret_shape(const char *v, size_t n)
{
    int up = 0, lo = 0, dg = 0;
    if (n != 40)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (!sec_is_alnum(c) && c != '/' && c != '+')
            return 0;
        up |= c >= 'A' && c <= 'Z';
        lo |= c >= 'a' && c <= 'z';
        dg |= c >= '0' && c <= '9';
    }
    return up && lo && dg;
}

/* A name AWS gives its secret key (terraform's secret_key, the SDKs'
 * secretAccessKey): with a value of that shape it is one, no access key id
 * needed nearby. */
static int names_secret_key(const char *k, size_t n)
{
    return an_find_ci(k, n, "secret_key") != (size_t)-1 || an_find_ci(k, n, "secretkey") != (size_t)-1 ||
           an_find_ci(k, n, "secret_access_key") != (size_t)-1 || an_find_ci(k, n, "secretaccesskey") != (size_t)-1;
}

/* A name that ends in a cursor's token: pagination (NextToken, PageToken,
 * ContinuationToken), idempotency (ClientToken) or a lock's (LockToken); the
 * value is handed out by a service to be handed back, not a credential. */
static int names_cursor_token(const char *s, size_t n)
{
    static const char *const names[] = {"nexttoken", "pagetoken", "continuationtoken", "clienttoken",
                                        "locktoken"};
    while (n > 0 && (s[n - 1] == '"' || s[n - 1] == '\'' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t m = strlen(names[k]);
        if (n >= m && an_find_ci(s + n - m, m, names[k]) == 0)
            return 1;
    }
    return 0;
}

static int check_assignment(line_t *ln, size_t op)
{
    size_t ks, vs, vn, vstart = op + 1;
    const char *kw;
    int quoted, pw;
    if (ln->n_kw == 0 || ln->kw_pos[0] >= op)
        return 0;
    ks = key_start(ln, op);
    if (ln->s[op] == '=' && vstart < ln->n && ln->s[vstart] == '>')
        vstart++;
    kw = key_keyword(ln, ks, op);
    if (!kw || !value_at(ln, vstart, &vs, &vn, &quoted) || sec_overlaps_span(ln, vs, vs + vn))
        return 0;
    if ((!quoted && ln->st->code_file) || an_find(ln->s + ks, op - ks, "//") != (size_t)-1)
        return 0; /* code: a bare name is a variable; a URL's "user:password@host:port" */
    if (aws_secret_shape(ln->s + vs, vn) &&
        (an_find_ci(ln->s + ks, op - ks, "aws") != (size_t)-1 || ln->st->akia_seen ||
         (names_secret_key(ln->s + ks, op - ks) && an_entropy(ln->s + vs, vn) >= 4.0 &&
          !is_placeholder(ln->s + vs, vn))))
        return sec_report(ln, SR_AWS_SECRET_KEY, vs, vn);
    pw = kw[0] == 'p' && kw[1] == 'a';
    if (!pw && names_cursor_token(ln->s + ks, op - ks))
        return 0;
    if (vn < (pw ? 8u : 16u) || vn > 256 || !value_classes_ok(ln->s + vs, vn, quoted) ||
        is_placeholder(ln->s + vs, vn) || an_entropy(ln->s + vs, vn) < (pw ? 2.5 : 3.3) ||
        protected_value(ln->s + vs, vn) || regex_value(ln->s + vs, vn))
        return 0;
    return sec_report(ln, SR_GENERIC_ASSIGNMENT, vs, vn);
}

/* `ENV AWS_SECRET_ACCESS_KEY <value>` (Dockerfile) and `aws configure set
 * aws_secret_access_key <value>`: the name and an AWS-shaped value separated
 * by blanks only, no operator. */
int sec_check_spaced_aws_secret(line_t *ln)
{
    for (unsigned k = 0; k < ln->n_kw; k++) {
        size_t at = ln->kw_pos[k], v, r = 0;
        if (ln->kw[k][0] != 's' || !ci_at(ln->s, ln->n, at, "secret_access_key", 17))
            continue;
        v = at + 17;
        if (v >= ln->n || (ln->s[v] != ' ' && ln->s[v] != '\t'))
            continue;
        v = an_skip_space(ln->s, ln->n, v);
        if (v < ln->n && (ln->s[v] == '"' || ln->s[v] == '\''))
            v++;
        while (v + r < ln->n && r <= 40 && (sec_is_alnum((unsigned char)ln->s[v + r]) || ln->s[v + r] == '/' ||
                                            ln->s[v + r] == '+'))
            r++;
        if (v + r < ln->n && !in_set(ln->s[v + r], " \t\r\"'\\"))
            continue;   /* the run goes on: not a value of its own */
        if (aws_secret_shape(ln->s + v, r) && !sec_overlaps_span(ln, v, v + r))
            return sec_report(ln, SR_AWS_SECRET_KEY, v, r);
    }
    return 0;
}

/* Within 5 lines after an AWS access key id: any 40-char key-shaped run. */
int sec_check_aws_secret_near(line_t *ln)
{
    size_t i = 0;
    if (!ln->st->akia_seen || ln->lineno > ln->st->akia_line + 5)
        return 0;
    while (i < ln->n) {
        size_t r = 0;
        while (i + r < ln->n && (sec_is_alnum((unsigned char)ln->s[i + r]) || ln->s[i + r] == '/' ||
                                 ln->s[i + r] == '+'))
            r++;
        if (r == 40 && aws_secret_shape(ln->s + i, r) && !sec_overlaps_span(ln, i, i + r))
            return sec_report(ln, SR_AWS_SECRET_KEY, i, r);
        i += r ? r : 1;
    }
    return 0;
}

int sec_is_op(const line_t *ln, size_t i)
{
    char c = ln->s[i], next = i + 1 < ln->n ? ln->s[i + 1] : '\0';
    char prev = i > 0 ? ln->s[i - 1] : '\0';
    if (c == '=') {
        switch (prev) {
        case '=': case '!': case '<': case '>': case '+': case '-': case '*': case '/':
        case '%': case '&': case '|': case '^':
            return 0;
        default:
            return next != '=';
        }
    }
    return next != ':' && next != '/' && next != '=' && prev != ':';
}

/* Checks the recorded assignments (after the tokens of the line were seen,
 * so a value already reported as a known format is not reported again). */
int sec_flush_ops(line_t *ln)
{
    int rc = 0;
    for (unsigned k = 0; rc == 0 && k < ln->n_ops; k++)
        rc = check_assignment(ln, ln->ops[k]);
    ln->n_ops = 0;
    return rc;
}
