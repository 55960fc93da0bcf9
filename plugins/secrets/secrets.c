/*
 * secrets.c: the `secrets` analyzer core (rules listed in secrets.h).
 *
 * One pass per added line: a 256-entry trigger table selects the few bytes
 * where a key format can start ('A', 'g', 'x', 'h', '-', 'e', 's', 'r', 'n')
 * and the assignment operators ('=', ':'); formats are checked by hand at
 * those positions, assignments are checked afterwards so a value already
 * reported as a known format is not reported again as generic.
 * Owns nothing beyond its per-scan state (secrets_state_t).
 */
#include "secrets.h"

#include <stdint.h>
#include <string.h>

#include "an_patch.h"
#include "an_text.h"
#include "secrets_tables.h"

#define MAX_OPS 16
#define MAX_SPANS 8

typedef struct {
    an_emit_fn emit;
    void *ud;
    unsigned akia_line;   /* last line of this file with an access key id, 0 none */
    int code_file;        /* source code: only quoted literals are values */
    int akia_seen;
} secrets_state_t;
_Static_assert(sizeof(secrets_state_t) <= AN_STATE_MAX, "secrets state must fit the driver's buffer");

typedef struct {
    secrets_state_t *st;
    const an_file_t *file;
    unsigned lineno;
    const char *s;
    size_t n;
    size_t spans[MAX_SPANS][2];  /* [start, end) of reported values */
    unsigned n_spans;
    size_t ops[MAX_OPS];
    unsigned n_ops;
    size_t marker, marker_len;   /* allow marker, marker_len 0 = none */
    int found;                   /* a secret was reported on this line */
    size_t kw_pos[MAX_OPS];      /* secret-like keywords on the line */
    const char *kw[MAX_OPS];
    unsigned n_kw;
} line_t;

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_b64url(unsigned char c)
{
    return is_alnum(c) || c == '-' || c == '_';
}

static size_t run_len(const char *s, size_t n, size_t i, int (*cls)(unsigned char))
{
    size_t k = i;
    while (k < n && cls((unsigned char)s[k]))
        k++;
    return k - i;
}

static int upper_digit(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int in_set(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

static int key_char(unsigned char c)
{
    return is_alnum(c) || c == '_';
}

static int report(line_t *ln, const char *rule, an_severity_t sev, const char *msg,
                  size_t at, size_t len)
{
    if (ln->n_spans < MAX_SPANS) {
        ln->spans[ln->n_spans][0] = at;
        ln->spans[ln->n_spans][1] = at + len;
        ln->n_spans++;
    }
    ln->found = 1;
    return an_emit(ln->st->emit, ln->st->ud, rule, sev, an_file_path(ln->file), ln->lineno,
                   msg, ln->s + at, len);
}

static int prev_is_word(const line_t *ln, size_t i)
{
    return i > 0 && is_alnum((unsigned char)ln->s[i - 1]);
}

static int has_at(const line_t *ln, size_t i, const char *lit)
{
    size_t m = strlen(lit);
    return i + m <= ln->n && memcmp(ln->s + i, lit, m) == 0;
}

/* 'A': AWS key ids (AKIA, ASIA, AGPA, AIDA, AROA, AIPA, ANPA, ANVA, ABIA, ACCA). */
static int check_A(line_t *ln, size_t i)
{
    static const char *const aws[] = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA",
                                      "ANPA", "ANVA", "ABIA", "ACCA"};
    if (prev_is_word(ln, i))
        return 0;
    for (size_t k = 0; k < sizeof aws / sizeof aws[0]; k++) {
        if (has_at(ln, i, aws[k]) && run_len(ln->s, ln->n, i + 4, upper_digit) == 16) {
            ln->st->akia_line = ln->lineno;
            ln->st->akia_seen = 1;
            return report(ln, "secrets.aws_access_key", AN_SEV_HIGH,
                          "AWS access key id added by the patch", i, 20);
        }
    }
    return 0;
}

static int slack_char(unsigned char c)
{
    return is_alnum(c) || c == '-';
}

static int hook_char(unsigned char c)
{
    return key_char(c) || c == '/';
}

/* Token formats recognised by a fixed prefix and a run of token characters. */
typedef struct {
    const char *prefix;
    size_t plen;
    int (*cls)(unsigned char);
    size_t min, max;            /* length of the run after the prefix */
    const char *rule;
    an_severity_t sev;
    const char *msg;
} token_rule_t;

#define GH_MSG "GitHub token added by the patch"
#define SLACK_MSG "Slack token added by the patch"
static const token_rule_t s_tokens[] = {
    {"ghp_", 4, is_alnum, 36, 255, "secrets.github_token", AN_SEV_HIGH, GH_MSG},
    {"gho_", 4, is_alnum, 36, 255, "secrets.github_token", AN_SEV_HIGH, GH_MSG},
    {"ghs_", 4, is_alnum, 36, 255, "secrets.github_token", AN_SEV_HIGH, GH_MSG},
    {"ghu_", 4, is_alnum, 36, 255, "secrets.github_token", AN_SEV_HIGH, GH_MSG},
    {"ghr_", 4, is_alnum, 36, 255, "secrets.github_token", AN_SEV_HIGH, GH_MSG},
    {"github_pat_", 11, key_char, 22, 255, "secrets.github_token", AN_SEV_HIGH, GH_MSG},
    {"xoxa-", 5, slack_char, 10, 255, "secrets.slack_token", AN_SEV_HIGH, SLACK_MSG},
    {"xoxb-", 5, slack_char, 10, 255, "secrets.slack_token", AN_SEV_HIGH, SLACK_MSG},
    {"xoxp-", 5, slack_char, 10, 255, "secrets.slack_token", AN_SEV_HIGH, SLACK_MSG},
    {"xoxr-", 5, slack_char, 10, 255, "secrets.slack_token", AN_SEV_HIGH, SLACK_MSG},
    {"xoxs-", 5, slack_char, 10, 255, "secrets.slack_token", AN_SEV_HIGH, SLACK_MSG},
    {"hooks.slack.com/services/", 25, hook_char, 20, 255, "secrets.slack_webhook", AN_SEV_HIGH,
     "Slack webhook URL (a write credential) added by the patch"},
    {"sk_live_", 8, is_alnum, 24, 255, "secrets.stripe_key", AN_SEV_HIGH,
     "Stripe live secret key added by the patch"},
    {"rk_live_", 8, is_alnum, 24, 255, "secrets.stripe_key", AN_SEV_HIGH,
     "Stripe live restricted key added by the patch"},
    {"AIza", 4, is_b64url, 35, 35, "secrets.google_api_key", AN_SEV_HIGH,
     "Google API key added by the patch"},
};

static int check_tokens(line_t *ln, size_t i)
{
    for (size_t k = 0; k < sizeof s_tokens / sizeof s_tokens[0]; k++) {
        const token_rule_t *t = &s_tokens[k];
        size_t pl = t->plen, r;
        if (t->prefix[0] != ln->s[i] || i + pl > ln->n || memcmp(ln->s + i, t->prefix, pl) != 0)
            continue;
        r = run_len(ln->s, ln->n, i + pl, t->cls);
        if (r < t->min)
            continue;
        return report(ln, t->rule, t->sev, t->msg, i, pl + (r < t->max ? r : t->max));
    }
    return 0;
}

/* The label between "BEGIN " and "-----": upper-case words only. */
static int pem_label_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == ' '))
            return 0;
    return 1;
}

/* After the header: the end of the line (a PEM file, the body follows), or a
 * \n escape followed by base64 (a key inside a string literal). */
static int key_material_follows(const line_t *ln, size_t at)
{
    const char *s = ln->s + at;
    size_t n = ln->n - at;
    size_t k = 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
        k++;
    if (k == n)
        return 1;
    if (n - k >= 3 && s[k] == '\\' && (s[k + 1] == 'n' || s[k + 1] == 'r')) {
        k += 2;
        while (k + 1 < n && s[k] == '\\' && s[k + 1] == 'n')
            k += 2;
        return k < n && (is_alnum((unsigned char)s[k]) || s[k] == '+' || s[k] == '/');
    }
    return 0;
}

/* '-': -----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]----- */
static int check_dash(line_t *ln, size_t i)
{
    size_t end, key;
    if (!has_at(ln, i, "-----BEGIN "))
        return 0;
    end = an_find(ln->s + i + 11, ln->n - i - 11, "-----");
    if (end == (size_t)-1 || end > 40)
        return 0;
    key = an_find(ln->s + i + 11, end, "PRIVATE KEY");
    if (key == (size_t)-1)
        return 0;
    if (!pem_label_ok(ln->s + i + 11, end) || !key_material_follows(ln, i + 16 + end))
        return 0; /* a marker in a comment, regex or constant: no key material */
    return report(ln, "secrets.private_key", AN_SEV_CRITICAL,
                  "private key block added by the patch", i, 11 + end + 5);
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
}

/* Decodes up to out_size bytes of base64url. Returns the number decoded. */
static size_t b64_decode(const char *s, size_t n, char *out, size_t out_size)
{
    unsigned acc = 0, bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n && o < out_size; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            break;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    return o;
}

/* 'e': JWT eyJ<header>.<payload>.<signature> with a JSON header naming alg/typ. */
static int check_e(line_t *ln, size_t i)
{
    char hdr[96];
    size_t h, p, sg, dn;
    if (prev_is_word(ln, i) || !has_at(ln, i, "eyJ"))
        return 0;
    h = run_len(ln->s, ln->n, i, is_b64url);
    if (h < 10 || i + h >= ln->n || ln->s[i + h] != '.')
        return 0;
    p = run_len(ln->s, ln->n, i + h + 1, is_b64url);
    if (p < 2 || i + h + 1 + p >= ln->n || ln->s[i + h + 1 + p] != '.')
        return 0;
    sg = run_len(ln->s, ln->n, i + h + 2 + p, is_b64url);
    if (sg < 16)
        return 0;
    dn = b64_decode(ln->s + i, h, hdr, sizeof hdr);
    if (dn < 2 || hdr[0] != '{' || (an_find(hdr, dn, "\"alg\"") == (size_t)-1 &&
                                    an_find(hdr, dn, "\"typ\"") == (size_t)-1))
        return 0;
    return report(ln, "secrets.jwt", AN_SEV_MEDIUM,
                  "JSON Web Token added by the patch (a bearer credential)", i, h + p + sg + 2);
}

/* 'n': "nosec"; ':' : gitleaks:allow, airlock:allow, trufflehog:ignore,
 * pragma: allowlist secret. */
static void check_marker(line_t *ln, size_t i)
{
#define M(b, a) {b, sizeof(b) - 1, a, sizeof(a) - 1}
    static const struct { const char *before; size_t bl; const char *after; size_t al; } colon[] = {
        M("gitleaks", "allow"), M("airlock", "allow"), M("trufflehog", "ignore"),
        M("pragma", " allowlist"), M("detect-secrets", "allow"), M("ggshield", "ignore"),
    };
#undef M
    if (ln->marker_len)
        return;
    if (ln->s[i] == 'n') {
        if (has_at(ln, i, "nosec") && !prev_is_word(ln, i) &&
            (i + 5 >= ln->n || !is_alnum((unsigned char)ln->s[i + 5])))
            ln->marker = i, ln->marker_len = 5;
        return;
    }
    for (size_t k = 0; k < sizeof colon / sizeof colon[0]; k++) {
        size_t bl = colon[k].bl, al = colon[k].al;
        if (i >= bl && memcmp(ln->s + i - bl, colon[k].before, bl) == 0 &&
            has_at(ln, i + 1, colon[k].after)) {
            ln->marker = i - bl;
            ln->marker_len = bl + 1 + al;
            return;
        }
    }
}

/* ---- generic keyword = high-entropy value ----------------------------- */

static const char *const s_placeholders[] = {
    "xxxx", "****", "....", "example", "changeme", "change_me", "change-me",
    "placeholder", "dummy", "your_", "your-", "yours", "redacted", "replace",
    "insert", "todo", "fixme", "sample", "foobar", "<", "${", "{{", "%s", "%(",
    "$(", "process.env", "environ", "getenv", "secret", "token", "password",
    "passwd", "://", "test", "fake", "none", "null", "undefined", "config", "key",
    "private", "auth", "credential", "?",
};

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

/* The keyword at k[i] (s_keywords, without "author" and "tokeniz..."). */
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

static int flush_ops(line_t *ln);

/* Records a keyword starting at s[i], if any (word starts and camel humps).
 * When the list is full, the pending assignments are settled with the
 * keywords known so far and the older half is forgotten, so decoy keywords
 * cannot push a real one out. Returns the emit callback's value. */
static int note_keyword(line_t *ln, size_t i)
{
    const char *kw = keyword_at(ln->s, ln->n, i);
    int rc = 0;
    if (!kw)
        return 0;
    if (ln->n_kw == MAX_OPS) {
        rc = flush_ops(ln);
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

static int bare_char(unsigned char c)
{
    return c > ' ' && c < 0x7f && !in_set((char)c, "'\"`,;(){}[]#<>&");
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
    *vn = run_len(ln->s, ln->n, i, bare_char);
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
        sym |= !is_alnum(c) && c != '-' && c != '_' && c != '.';
        ident &= an_is_ident(c) || c == '.';
    }
    if (dot && ident && !(v[0] >= '0' && v[0] <= '9'))
        return 0;
    if (lo + up + dg + sym < 2)
        return 0;
    return quoted || (dg && (lo || up));
}

static int overlaps_span(const line_t *ln, size_t a, size_t b)
{
    for (unsigned k = 0; k < ln->n_spans; k++)
        if (a < ln->spans[k][1] && ln->spans[k][0] < b)
            return 1;
    return 0;
}

static int b64_key_char(unsigned char c)
{
    return is_alnum(c) || c == '/' || c == '+';
}

/* An AWS secret access key: exactly 40 [A-Za-z0-9/+], mixed classes. */
static int aws_secret_shape(const char *v, size_t n)
{
    int up = 0, lo = 0, dg = 0;
    if (n != 40 || run_len(v, n, 0, b64_key_char) != 40)
        return 0;
    for (size_t i = 0; i < n; i++) {
        up |= v[i] >= 'A' && v[i] <= 'Z';
        lo |= v[i] >= 'a' && v[i] <= 'z';
        dg |= v[i] >= '0' && v[i] <= '9';
    }
    return up && lo && dg;
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
    if (!kw || !value_at(ln, vstart, &vs, &vn, &quoted) || overlaps_span(ln, vs, vs + vn))
        return 0;
    if ((!quoted && ln->st->code_file) || an_find(ln->s + ks, op - ks, "//") != (size_t)-1)
        return 0; /* code: a bare name is a variable; a URL's "user:password@host:port" */
    if (aws_secret_shape(ln->s + vs, vn) &&
        (an_find_ci(ln->s + ks, op - ks, "aws") != (size_t)-1 || ln->st->akia_seen))
        return report(ln, "secrets.aws_secret_key", AN_SEV_CRITICAL,
                      "AWS secret access key added by the patch", vs, vn);
    pw = kw[0] == 'p' && kw[1] == 'a';
    if (vn < (pw ? 8u : 16u) || vn > 256 || !value_classes_ok(ln->s + vs, vn, quoted) ||
        is_placeholder(ln->s + vs, vn) || an_entropy(ln->s + vs, vn) < (pw ? 2.5 : 3.3))
        return 0;
    return report(ln, "secrets.generic_assignment", AN_SEV_MEDIUM,
                  "high-entropy value assigned to a secret-like name", vs, vn);
}

/* Within 5 lines after an AWS access key id: any 40-char key-shaped run. */
static int check_aws_secret_near(line_t *ln)
{
    size_t i = 0;
    if (!ln->st->akia_seen || ln->lineno > ln->st->akia_line + 5)
        return 0;
    while (i < ln->n) {
        size_t r = run_len(ln->s, ln->n, i, b64_key_char);
        if (r == 40 && aws_secret_shape(ln->s + i, r) && !overlaps_span(ln, i, i + r))
            return report(ln, "secrets.aws_secret_key", AN_SEV_CRITICAL,
                          "AWS secret access key added next to an access key id", i, r);
        i += r ? r : 1;
    }
    return 0;
}

static int is_op(const line_t *ln, size_t i)
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

/* The second byte of every format a letter trigger can start. */
static int bigram_ok(unsigned char c0, unsigned char c1)
{
    switch (c0) {
    case 'A': return c1 == 'K' || c1 == 'S' || c1 == 'G' || c1 == 'I' || c1 == 'R' ||
                     c1 == 'N' || c1 == 'B' || c1 == 'C';
    case 'g': return c1 == 'h' || c1 == 'i';
    case 'x': case 'h': case 'n': return c1 == 'o';
    case 'e': return c1 == 'y';
    case 's': case 'r': return c1 == 'k';
    default: return 0;
    }
}

/* Checks the recorded assignments (after the tokens of the line were seen,
 * so a value already reported as a known format is not reported again). */
static int flush_ops(line_t *ln)
{
    int rc = 0;
    for (unsigned k = 0; rc == 0 && k < ln->n_ops; k++)
        rc = check_assignment(ln, ln->ops[k]);
    ln->n_ops = 0;
    return rc;
}

static int scan_trigger(line_t *ln, size_t i)
{
    switch (ln->s[i]) {
    case 'A': {
        int rc = check_A(ln, i);
        return rc ? rc : check_tokens(ln, i);
    }
    case 'g': case 'x': case 'h': case 's': case 'r': return check_tokens(ln, i);
    case '-': return check_dash(ln, i);
    case 'e': return check_e(ln, i);
    case 'n': check_marker(ln, i); return 0;
    default:
        if (ln->s[i] == ':')
            check_marker(ln, i);
        if (ln->n_kw == 0 || !is_op(ln, i))
            return 0;
        if (ln->n_ops == MAX_OPS) {
            int rc = flush_ops(ln);
            if (rc != 0)
                return rc;
        }
        ln->ops[ln->n_ops++] = i;
        return 0;
    }
}

/* One candidate position from the block mask (see scan_line). */
static int candidate(line_t *ln, size_t i)
{
    unsigned char c = (unsigned char)ln->s[i], k = secrets_class[c];
    int rc = 0;
    if (k & C_PUNCT)
        return scan_trigger(ln, i);
    if (i == 0 || !(secrets_class[(unsigned char)ln->s[i - 1]] & C_ALNUM)) {
        if ((k & C_FMT) && bigram_ok(c, i + 1 < ln->n ? (unsigned char)ln->s[i + 1] : 0))
            rc = scan_trigger(ln, i);
        if (rc == 0 && (k & C_KW))
            rc = note_keyword(ln, i);
    } else if (ln->s[i - 1] >= 'a' && ln->s[i - 1] <= 'z') {
        rc = note_keyword(ln, i); /* camelCase hump */
    }
    return rc;
}

/* Candidate positions of s[base, end) as a bit mask, without branches; n is
 * the line length (the byte after the line counts as 0). */
static uint64_t block_mask(const char *s, size_t base, size_t end, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint64_t m = 0;
    size_t i = base, last = end < n ? end : n - 1;
    if (i == 0 && i < last) {
        m = (secrets_first[u[0]] & secrets_second[u[1]]) != 0;
        i = 1;
    }
    for (; i < last; i++)
        m |= (uint64_t)((secrets_first[u[i]] & secrets_second[u[i + 1]] &
                         secrets_after[u[i - 1]]) != 0) << (i - base);
    if (end == n && n > 0) /* the last byte of the line: no next byte */
        m |= (uint64_t)((secrets_first[u[n - 1]] & secrets_second[0] &
                         (n > 1 ? secrets_after[u[n - 2]] : 0xffffffffu)) != 0) << (n - 1 - base);
    return m;
}

static int scan_line(secrets_state_t *st, const an_file_t *f, unsigned lineno,
                     const char *s, size_t n)
{
    line_t ln; /* not zeroed as a whole: it is set up per line, on the hot path */
    int rc = 0;
    ln.st = st;
    ln.file = f;
    ln.lineno = lineno;
    ln.s = s;
    ln.n = n;
    ln.n_spans = ln.n_ops = ln.n_kw = 0;
    ln.marker = ln.marker_len = 0;
    ln.found = 0;
    for (size_t base = 0; rc == 0 && base < n; base += 64) {
        uint64_t m = block_mask(s, base, n - base < 64 ? n : base + 64, n);
        while (m && rc == 0) {
            rc = candidate(&ln, base + (size_t)__builtin_ctzll(m));
            m &= m - 1;
        }
    }
    rc = rc ? rc : flush_ops(&ln);
    if (rc == 0)
        rc = check_aws_secret_near(&ln);
    if (rc == 0 && ln.marker_len)
        rc = an_emit(st->emit, st->ud, "secrets.allow_marker",
                     ln.found ? AN_SEV_HIGH : AN_SEV_MEDIUM, an_file_path(f), lineno,
                     "inline scanner allow marker added; Airlock ignores it and "
                     "reports the attempt", s + ln.marker, ln.marker_len);
    return rc;
}

/* ---- visitor ---------------------------------------------------------- */

static const char *const s_allowlist_files[] = {
    ".gitleaksignore", ".gitleaks.toml", "gitleaks.toml", ".secretsignore",
    ".airlockignore", ".secrets.baseline", ".trufflehogignore", ".gitguardian.yml",
    ".gitguardian.yaml", ".talismanrc", ".secretlintignore", ".detect-secrets.cfg",
};

static void secrets_begin(void *state, an_emit_fn emit, void *ud)
{
    secrets_state_t *st = state;
    memset(st, 0, sizeof *st);
    st->emit = emit;
    st->ud = ud;
}

static int is_code_ext(const char *ext)
{
    static const char *const code[] = {"py", "js", "ts", "jsx", "tsx", "mjs", "go", "rb",
                                       "java", "c", "h", "cc", "cpp", "hpp", "cs", "php",
                                       "kt", "rs", "swift", "scala", "m", "mm"};
    for (size_t i = 0; i < sizeof code / sizeof code[0]; i++)
        if (strcmp(ext, code[i]) == 0)
            return 1;
    return 0;
}

static int secrets_on_file(void *ud, const an_file_t *f)
{
    secrets_state_t *st = ud;
    const char *base = an_path_base(f->new_path);
    st->akia_seen = 0;
    st->akia_line = 0;
    st->code_file = is_code_ext(an_path_ext(f->new_path));
    if (f->flags & AN_FILE_DELETED)
        return 0;
    for (size_t i = 0; i < sizeof s_allowlist_files / sizeof s_allowlist_files[0]; i++)
        if (strcmp(base, s_allowlist_files[i]) == 0)
            return an_emit(st->emit, st->ud, "secrets.allowlist_file", AN_SEV_HIGH,
                           f->new_path, 0,
                           "patch adds or changes a secret-scanner allowlist; Airlock "
                           "ignores it and reports the attempt", base, strlen(base));
    return 0;
}

static int secrets_on_line(void *ud, const an_file_t *f, an_line_kind_t kind,
                           unsigned lineno, const char *text, size_t len)
{
    if (kind != AN_LINE_ADDED || (f->flags & AN_FILE_BINARY))
        return 0;
    return scan_line(ud, f, lineno, text, len);
}

static const an_patch_visitor_t s_visitor = {
    .on_file = secrets_on_file,
    .on_line = secrets_on_line,
};

const an_analyzer_t secrets_analyzer = {
    .name = "secrets",
    .version = "1.0.0",
    .state_size = sizeof(secrets_state_t),
    .begin = secrets_begin,
    .visitor = &s_visitor,
};
