/*
 * secrets_checks.c: the format checks of the `secrets` analyzer, called by
 * the line scan (secrets.c) at candidate positions: the token formats of the
 * generated table (prefix + body class + length, secrets_rules.ini), the few
 * formats that need code (PEM private keys, JWTs, GCP key files, Azure AD
 * secrets, SendGrid keys, AWS secret keys by context) and the generic
 * "secret-like name = high-entropy literal" rule. Pure: no state beyond the
 * line being scanned and the per-file secrets_state_t.
 */
#include "secrets_internal.h"

#include <stdint.h>
#include <string.h>

#include "an_text.h"

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int in_class(unsigned char c, unsigned cls)
{
    return (secrets_class[c] >> cls) & 1u;
}

static size_t class_run(const char *s, size_t n, size_t i, unsigned cls, size_t cap)
{
    size_t k = i;
    while (k < n && k - i < cap && in_class((unsigned char)s[k], cls))
        k++;
    return k - i;
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

/* ---- code-checked formats ---------------------------------------------------- */

/* The label between "BEGIN " and "-----": upper-case words only. */
static int pem_label_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || s[i] == ' '))
            return 0;
    return 1;
}

static int is_blank_or_break(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The length of a run of base64 digits at s[k] that reads as a line of a
 * key's body: at least 24 (a PEM line holds 64; a shortened one still
 * reads), mixing upper case, lower case and digits; else 0.
 * A marker in prose, a regex or a template is followed by nothing of the kind. */
static size_t key_body_run(const char *s, size_t n, size_t k)
{
    size_t r = 0;
    int up = 0, lo = 0, dg = 0;
    for (; k + r < n && (is_alnum((unsigned char)s[k + r]) || s[k + r] == '+' || s[k + r] == '/'); r++) {
        unsigned char c = (unsigned char)s[k + r];
        up |= c >= 'A' && c <= 'Z';
        lo |= c >= 'a' && c <= 'z';
        dg |= c >= '0' && c <= '9';
    }
    return r >= 24 && up && lo && dg ? r : 0;
}

/* The length of an escaped line break at s[k]: `\n`, `\r`, or `\\n` (escaped
 * twice: JSON inside another string); 0 for none. */
static size_t escaped_break(const char *s, size_t n, size_t k)
{
    size_t b = k < n && s[k] == '\\' ? (k + 1 < n && s[k + 1] == '\\' ? 2 : 1) : 0;
    return b && k + b < n && (s[k + b] == 'n' || s[k + b] == 'r') ? b + 1 : 0;
}

/* The headers an encrypted PEM or an armored PGP key may carry before its
 * body ("Proc-Type: 4,ENCRYPTED", "DEK-Info: …", "Version: …"). */
static int pem_header_at(const char *s, size_t n, size_t k)
{
    static const char *const hdr[] = {"Proc-Type:", "DEK-Info:", "Version:", "Comment:"};
    for (size_t h = 0; h < sizeof hdr / sizeof hdr[0]; h++) {
        size_t m = strlen(hdr[h]);
        if (k + m <= n && memcmp(s + k, hdr[h], m) == 0)
            return 1;
    }
    return 0;
}

/* After the header: a \n escape followed by a body line or an encryption
 * header (a key inside a string literal), or blanks or real line breaks
 * followed by a body line (a key pasted on one line, a key decoded from
 * base64). The end of the line is not enough: the next line decides
 * (sec_check_key_body), so a placeholder body ("XXXX", "<key bytes>",
 * "MIIE...") is not a key. */
static int key_material_follows(const line_t *ln, size_t at)
{
    const char *s = ln->s + at;
    size_t n = ln->n - at, k = 0, e;
    while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r'))
        k++;
    if (k == n)
        return 0;
    if (escaped_break(s, n, k) != 0) {
        while ((e = escaped_break(s, n, k)) != 0)
            k += e;
        return key_body_run(s, n, k) != 0 || pem_header_at(s, n, k);
    }
    if (n == 0 || !is_blank_or_break(s[0]))
        return 0;
    while (k < n && is_blank_or_break(s[k]))
        k++;
    return key_body_run(s, n, k) != 0;
}

/* After the header: the literal closes (`…-----",`, `…-----\n"`, `…-----" >> file`):
 * the body may follow one literal per line. */
static int literal_closes(const line_t *ln, size_t at)
{
    while (at + 1 < ln->n && ln->s[at] == '\\' && (ln->s[at + 1] == 'n' || ln->s[at + 1] == 'r'))
        at += 2;
    return at < ln->n && (ln->s[at] == '"' || ln->s[at] == '\'');
}

/* Only blanks after `at`: the header ends the line (a PEM file, a block
 * string); the body follows on the next lines. */
static int at_line_end(const line_t *ln, size_t at)
{
    while (at < ln->n && (ln->s[at] == ' ' || ln->s[at] == '\t' || ln->s[at] == '\r'))
        at++;
    return at == ln->n;
}

/* -----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]----- */
static int check_pem(line_t *ln, size_t i)
{
    size_t end, key;
    if (!has_at(ln, i, "-----BEGIN "))
        return 0;
    end = an_find(ln->s + i + 11, ln->n - i - 11, "-----");
    if (end == (size_t)-1 || end > 40)
        return 0;
    key = an_find(ln->s + i + 11, end, "PRIVATE KEY");
    if (key == (size_t)-1 || !pem_label_ok(ln->s + i + 11, end))
        return 0;
    if (key_material_follows(ln, i + 16 + end))
        return sec_report(ln, SR_PRIVATE_KEY, i, 11 + end + 5);
    if (at_line_end(ln, i + 16 + end) || literal_closes(ln, i + 16 + end)) {
        ln->st->key_body_line = ln->lineno + 1;   /* sec_check_key_body decides */
        ln->st->key_body_hdrs = 0;
    }
    return 0; /* a marker in a comment, regex or constant: no key material */
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

/* A payload that decodes to a small JSON object naming none of the claims
 * a bearer token carries (iss, sub, aud, exp, nbf, iat, jti): the sample a
 * README shows ({"some":"payload"}, {"k":"value"}). */
static int sample_claims(const char *s, size_t n)
{
    static const char *const claims[] = {"\"iss\"", "\"sub\"", "\"aud\"", "\"exp\"",
                                         "\"nbf\"", "\"iat\"", "\"jti\""};
    char pl[96];
    size_t dn;
    if (n > 4 * sizeof pl / 3)
        return 0;
    dn = b64_decode(s, n, pl, sizeof pl);
    if (dn < 2 || pl[0] != '{' || pl[dn - 1] != '}')
        return 0;
    for (size_t k = 0; k < sizeof claims / sizeof claims[0]; k++)
        if (an_find(pl, dn, claims[k]) != (size_t)-1)
            return 0;
    return 1;
}

/* eyJ<header>.<payload>.<signature> with a JSON header naming alg/typ. */
static int check_jwt(line_t *ln, size_t i)
{
    char hdr[96];
    size_t h, p, sg, dn;
    if (prev_is_word(ln, i) || !has_at(ln, i, "eyJ"))
        return 0;
    h = class_run(ln->s, ln->n, i, SCL_B64URL, SIZE_MAX);
    if (h < 10 || i + h >= ln->n || ln->s[i + h] != '.')
        return 0;
    p = class_run(ln->s, ln->n, i + h + 1, SCL_B64URL, SIZE_MAX);
    if (p < 2 || i + h + 1 + p >= ln->n || ln->s[i + h + 1 + p] != '.')
        return 0;
    sg = class_run(ln->s, ln->n, i + h + 2 + p, SCL_B64URL, SIZE_MAX);
    if (sg < 16)
        return 0;
    dn = b64_decode(ln->s + i, h, hdr, sizeof hdr);
    if (dn < 2 || hdr[0] != '{' ||
        (an_find(hdr, dn, "\"alg\"") == (size_t)-1 && an_find(hdr, dn, "\"typ\"") == (size_t)-1))
        return 0;
    if (ln->st->doc_file && sample_claims(ln->s + i + h + 1, p))
        return 0;
    return sec_report(ln, SR_JWT, i, h + p + sg + 2);
}

/* The length of a quote at s[k]: 1, or 2 for an escaped one (`\"`: the key
 * file's JSON inside another string, a tfvars value); 0 for none. */
static size_t quote_len(const line_t *ln, size_t k)
{
    if (k < ln->n && (ln->s[k] == '"' || ln->s[k] == '\''))
        return 1;
    return k + 1 < ln->n && ln->s[k] == '\\' && ln->s[k + 1] == '"' ? 2 : 0;
}

/* "private_key_id": "<40 hex>" of a service-account key file. */
static int check_gcp(line_t *ln, size_t i)
{
    size_t k = i + 14, h, q;
    if (!has_at(ln, i, "private_key_id"))
        return 0;
    k += quote_len(ln, k);
    k = an_skip_space(ln->s, ln->n, k);
    if (k >= ln->n || (ln->s[k] != ':' && ln->s[k] != '='))
        return 0;
    k = an_skip_space(ln->s, ln->n, k + 1);
    if ((q = quote_len(ln, k)) == 0)
        return 0;
    h = class_run(ln->s, ln->n, k + q, SCL_HEX, 41);
    if (h != 40 || quote_len(ln, k + q + h) != q)
        return 0;
    return sec_report(ln, SR_GCP_SERVICE_ACCOUNT, k + q, 40);
}

static int azure_char(unsigned char c)
{
    return is_alnum(c) || c == '_' || c == '~' || c == '.' || c == '-';
}

/* Entra ID client secret: [A-Za-z0-9_~.-]{3} [0-9] "Q~" [A-Za-z0-9_~.-]{31,34}; i is at "Q~". */
static int check_azure(line_t *ln, size_t i)
{
    size_t k = i + 2, r = 0;
    if (i < 4 || !has_at(ln, i, "Q~") || !(ln->s[i - 1] >= '0' && ln->s[i - 1] <= '9'))
        return 0;
    for (size_t j = i - 4; j < i - 1; j++)
        if (!azure_char((unsigned char)ln->s[j]))
            return 0;
    if (i > 4 && azure_char((unsigned char)ln->s[i - 5]))
        return 0;
    while (k + r < ln->n && azure_char((unsigned char)ln->s[k + r]) && r < 35)
        r++;
    if (r < 31 || r > 34)
        return 0;
    return sec_report(ln, SR_AZURE_CLIENT_SECRET, i - 4, 6 + r);
}

/* SG.<22 base64url>.<43 base64url> */
static int check_sendgrid(line_t *ln, size_t i)
{
    size_t a, b;
    if (prev_is_word(ln, i) || !has_at(ln, i, "SG."))
        return 0;
    a = class_run(ln->s, ln->n, i + 3, SCL_B64URL, 23);
    if (a != 22 || i + 25 >= ln->n || ln->s[i + 25] != '.')
        return 0;
    b = class_run(ln->s, ln->n, i + 26, SCL_B64URL, 44);
    return b == 43 ? sec_report(ln, SR_SENDGRID_KEY, i, 69) : 0;
}

/* The length of a URL-encoded base64 digit at s[k] (`%2B`, `%2F`), or of a
 * base64 digit; 0 for anything else. */
static size_t url_b64_digit(const char *s, size_t n, size_t k)
{
    if (is_alnum((unsigned char)s[k]) || s[k] == '+' || s[k] == '/')
        return 1;
    if (s[k] == '%' && k + 2 < n && s[k + 1] == '2' && (an_lower((unsigned char)s[k + 2]) == 'b' ||
                                                        an_lower((unsigned char)s[k + 2]) == 'f'))
        return 3;
    return 0;
}

/* &sig=<43 base64 digits, '=' or %3D> of a SAS token (its sv= before it on
 * the line): the HMAC-SHA256 that makes the token a credential. `eq` is at
 * the '=' (called for each, by the line scan). */
int sec_check_sas_signature(line_t *ln, size_t eq)
{
    size_t k = eq + 1, digits = 0, step;
    int up = 0, lo = 0, dg = 0;
    if (eq < 4 || ln->s[eq - 1] != 'g' || !has_at(ln, eq - 4, "&sig=") || an_find(ln->s, eq - 4, "sv=") == (size_t)-1)
        return 0;
    while (k < ln->n && digits < 44 && (step = url_b64_digit(ln->s, ln->n, k)) != 0) {
        unsigned char c = (unsigned char)ln->s[k];
        up |= c >= 'A' && c <= 'Z';
        lo |= c >= 'a' && c <= 'z';
        dg |= c >= '0' && c <= '9';
        digits++;
        k += step;
    }
    if (digits != 43 || !(up && lo && dg))
        return 0;
    if (has_at(ln, k, "%3D") || has_at(ln, k, "%3d"))
        k += 3;
    else if (k < ln->n && ln->s[k] == '=')
        k++;
    if (k < ln->n && (is_alnum((unsigned char)ln->s[k]) || ln->s[k] == '%'))
        return 0;
    return sec_report(ln, SR_AZURE_SAS_KEY, eq + 1, k - eq - 1);
}

/* A template's stand-in for a token body (ghp_xxxx…, sk_live_0000…,
 * github_pat_XXXX_XXXX…, xoxb-your-token…): one character over half of it
 * (separators aside), or a "your" filler. A provider's random body never
 * repeats one character that often, nor starts with a word. */
static int placeholder_body(const char *b, size_t n)
{
    unsigned count[256] = {0}, top = 0;
    size_t counted = 0;
    if (n >= 4 && an_find_ci(b, 4, "your") == 0)
        return 1;
    if (an_find_ci(b, n, "your_") != (size_t)-1 || an_find_ci(b, n, "your-") != (size_t)-1)
        return 1;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)b[k];
        if (c == '-' || c == '_' || c == '/')
            continue;
        counted++;
        if (++count[c] > top)
            top = count[c];
    }
    return counted > 0 && top * 2 > counted;
}

/* The az CLI's AZURE_STORAGE_KEY=<86-88 base64 digits> (also
 * AZURE_STORAGE_ACCESS_KEY=): the account key. `eq` is at the '=' (called
 * for each, by the line scan). */
int sec_check_azure_storage_key(line_t *ln, size_t eq)
{
    static const char *const names[] = {"AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCESS_KEY"};
    size_t r;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        size_t m = strlen(names[k]);
        if (eq < m || memcmp(ln->s + eq - m, names[k], m) != 0 || (eq > m && is_alnum((unsigned char)ln->s[eq - m - 1])))
            continue;
        r = class_run(ln->s, ln->n, eq + 1, SCL_B64, 89);
        if (r < 86 || r > 88 || placeholder_body(ln->s + eq + 1, r))
            return 0;
        return sec_report(ln, SR_AZURE_STORAGE_KEY, eq + 1, r);
    }
    return 0;
}

/* ---- the generated token table ---------------------------------------------- */

/* Length of the token t at s[i], 0 when it does not match. */
static size_t token_len(const line_t *ln, size_t i, const secrets_token_t *t)
{
    size_t r;
    if (i + t->plen > ln->n || memcmp(ln->s + i, t->prefix, t->plen) != 0)
        return 0;
    r = class_run(ln->s, ln->n, i + t->plen, t->cls, (size_t)t->max + 1);
    if (r < t->min || (t->exact && r > t->max))
        return 0;
    if (r > t->max)
        r = t->max;
    if (t->contains && an_find(ln->s + i + t->plen, r, t->contains) == (size_t)-1)
        return 0;
    return t->plen + r;
}

static int check_code(line_t *ln, size_t i, unsigned check)
{
    switch (check) {
    case SCHK_PEM: return check_pem(ln, i);
    case SCHK_JWT: return check_jwt(ln, i);
    case SCHK_GCP_KEY_ID: return check_gcp(ln, i);
    case SCHK_AZURE_SECRET: return check_azure(ln, i);
    case SCHK_SENDGRID: return check_sendgrid(ln, i);
    default: return 0;
    }
}

int sec_check_group(line_t *ln, size_t i, unsigned g)
{
    const secrets_token_t *t = &secrets_tokens[secrets_group_first[g]];
    for (unsigned k = 0; k < secrets_group_count[g]; k++, t++) {
        size_t n;
        if (t->cls == 255) /* a code-checked format: alone in its group */
            return check_code(ln, i, t->check);
        if ((n = token_len(ln, i, t)) == 0)
            continue;
        if (placeholder_body(ln->s + i + t->plen, n - t->plen)) {
            sec_claim_span(ln, i, n);   /* nor is the generic rule to report it */
            return 0;
        }
        if (t->check == SCHK_AWS_KEY_ID && an_find(ln->s + i + t->plen, n - t->plen, "EXAMPLE") != (size_t)-1) {
            sec_claim_span(ln, i, n);   /* AWS's documentation convention: AKIAEXAMPLE…, AKIA…EXAMPLE */
            return 0;
        }
        if (t->check == SCHK_AWS_KEY_ID) {
            ln->st->akia_line = ln->lineno;
            ln->st->akia_seen = 1;
        }
        return sec_report(ln, t->rule, i, n);
    }
    return 0;
}

/* ---- allow markers ------------------------------------------------------------- */

static int rule_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int word_at(const line_t *ln, size_t i, const char *lit)
{
    size_t m = strlen(lit);
    return has_at(ln, i, lit) && (i + m >= ln->n || !is_alnum((unsigned char)ln->s[i + m]));
}

/* After "noqa": bandit's hardcoded-password checks as ruff names them
 * (S105, S106, S107) among the codes, within the comment's next 48 bytes. */
static int noqa_names_password_check(const line_t *ln, size_t i)
{
    size_t end = ln->n - i > 48 ? i + 48 : ln->n;
    for (size_t k = i; k + 4 <= end; k++)
        if (ln->s[k] == 'S' && ln->s[k + 1] == '1' && ln->s[k + 2] == '0' && ln->s[k + 3] >= '5' &&
            ln->s[k + 3] <= '7' && !is_alnum((unsigned char)ln->s[k - 1]) &&
            (k + 4 == ln->n || !is_alnum((unsigned char)ln->s[k + 4])))
            return 1;
    return 0;
}

/* s[i] is where a comment's text starts: after '#', "//", a C comment's
 * opener or a '*', or "-- " (blanks between allowed), as in "# nosec" and
 * "// #nosec G101". Not an identifier (vfs_getattr_nosec, scc_nosec, int nosec). */
static int after_comment_opener(const line_t *ln, size_t i)
{
    size_t k = i;
    while (k > 0 && (ln->s[k - 1] == ' ' || ln->s[k - 1] == '\t'))
        k--;
    if (k == 0)
        return 0;
    switch (ln->s[k - 1]) {
    case '#': case '/': case '*':
        return 1;
    case '-':
        return k < i && k >= 2 && ln->s[k - 2] == '-';
    default:
        return 0;
    }
}

/* The length of a marker at s[i] that starts with "no": bandit's "nosec",
 * semgrep's "nosemgrep", ruff's "noqa: S105", each a word of its own after
 * a comment opener; 0 when there is none. */
static size_t no_marker_len(const line_t *ln, size_t i)
{
    if (i + 4 >= ln->n || (ln->s[i + 2] != 's' && ln->s[i + 2] != 'q'))
        return 0;   /* the common "no…" word, by its third byte */
    if ((i + 5 < ln->n && ln->s[i + 5] == '_') || !after_comment_opener(ln, i))
        return 0;   /* part of an identifier, or not in a comment */
    if (word_at(ln, i, "nosec"))
        return 5;
    if (word_at(ln, i, "nosemgrep"))
        return 9;
    if (word_at(ln, i, "noqa") && noqa_names_password_check(ln, i + 4))
        return 4;
    return 0;
}

/* "nosec" at s[i]; at ':' gitleaks:allow, trufflehog:ignore, pragma: allowlist
 * secret, ..., and our own airlock:allow <rule>. */
void sec_check_marker(line_t *ln, size_t i)
{
#define M(b, a) {b, sizeof(b) - 1, a, sizeof(a) - 1}
    static const struct { const char *before; size_t bl; const char *after; size_t al; } colon[] = {
        M("gitleaks", "allow"), M("trufflehog", "ignore"), M("pragma", " allowlist"),
        M("detect-secrets", "allow"), M("ggshield", "ignore"),
    };
#undef M
    if (ln->s[i] == 'n') {
        size_t len;
        if (!ln->marker_len && (len = no_marker_len(ln, i)) != 0) {
            ln->marker = i, ln->marker_len = len;
            ln->marker_general = len != 5;   /* not bandit's "nosec": a general linter's */
        }
        return;
    }
    if (i >= 7 && memcmp(ln->s + i - 7, "airlock", 7) == 0 && has_at(ln, i + 1, "allow") && !ln->has_allow) {
        size_t k = an_skip_space(ln->s, ln->n, i + 6), r = 0;
        while (k + r < ln->n && rule_char((unsigned char)ln->s[k + r]) && r < ALLOW_RULE_MAX - 1)
            r++;
        ln->has_allow = 1;
        ln->allow_at = i - 7;
        ln->allow = ln->s + k;
        ln->allow_len = r;
        return;
    }
    for (size_t k = 0; !ln->marker_len && k < sizeof colon / sizeof colon[0]; k++) {
        size_t bl = colon[k].bl, al = colon[k].al;
        if (i >= bl && memcmp(ln->s + i - bl, colon[k].before, bl) == 0 && has_at(ln, i + 1, colon[k].after)) {
            ln->marker = i - bl;
            ln->marker_len = bl + 1 + al;
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
        sym |= !is_alnum(c) && c != '-' && c != '_' && c != '.';
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
        if (!is_alnum(c) && c != '/' && c != '+')
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

/* A line a key's body is expected on (after a PEM header that closed its
 * literal, or a PuTTY key file's "Private-Lines:"): its first literal, or
 * the line itself, holds a body line. Notes where a PuTTY key file says its
 * private part follows. */
int sec_check_key_body(line_t *ln)
{
    secrets_state_t *st = ln->st;
    size_t k = 0, r;
    if (!st->ppk_file && ln->n > 0 && ln->s[0] == 'P' && has_at(ln, 0, "PuTTY-User-Key-File-"))
        st->ppk_file = 1;
    if (st->ppk_file && has_at(ln, 0, "Private-Lines:"))
        st->key_body_line = ln->lineno + 1;
    if (st->key_body_line != ln->lineno)
        return 0;
    const char *q = memchr(ln->s, '"', ln->n);
    if (!q)
        q = memchr(ln->s, '\'', ln->n);
    k = q ? (size_t)(q - ln->s) + 1 : an_skip_space(ln->s, ln->n, 0);
    if ((r = key_body_run(ln->s, ln->n, k)) == 0) {
        /* an encrypted PEM's or a PGP key's headers, and the blank line
         * after them, come before the body: look at the next line */
        if ((k == ln->n || (k + 1 == ln->n && ln->s[k] == '\r') || pem_header_at(ln->s, ln->n, k)) &&
            st->key_body_hdrs++ < 4)
            st->key_body_line = ln->lineno + 1;
        return 0;
    }
    st->key_body_line = 0;
    return sec_report(ln, SR_PRIVATE_KEY, k, r);
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
        while (v + r < ln->n && r <= 40 && (is_alnum((unsigned char)ln->s[v + r]) || ln->s[v + r] == '/' ||
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
        while (i + r < ln->n && (is_alnum((unsigned char)ln->s[i + r]) || ln->s[i + r] == '/' ||
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
