/*
 * secrets_checks.c: the format checks of the `secrets` analyzer, called by
 * the line scan (secrets.c) at candidate positions: the token formats of the
 * generated table (prefix + body class + length, secrets_rules.ini) and the
 * few formats that need code (PEM private keys and a key's body on a line of
 * its own, JWTs, GCP key files, Azure AD secrets and SAS signatures, SendGrid
 * keys). Secret-like names with a value are secrets_assign.c's, allow markers
 * secrets_markers.c's. Pure: no state beyond the line being scanned and the
 * per-file secrets_state_t.
 */
#include "secrets_internal.h"

#include <stdint.h>
#include <string.h>

#include "an_text.h"

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
    return i > 0 && sec_is_alnum((unsigned char)ln->s[i - 1]);
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
    for (; k + r < n && (sec_is_alnum((unsigned char)s[k + r]) || s[k + r] == '+' || s[k + r] == '/'); r++) {
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
    if (!sec_has_at(ln, i, "-----BEGIN "))
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
    if (prev_is_word(ln, i) || !sec_has_at(ln, i, "eyJ"))
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
    if (!sec_has_at(ln, i, "private_key_id"))
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
    return sec_is_alnum(c) || c == '_' || c == '~' || c == '.' || c == '-';
}

/* Entra ID client secret: [A-Za-z0-9_~.-]{3} [0-9] "Q~" [A-Za-z0-9_~.-]{31,34}; i is at "Q~". */
static int check_azure(line_t *ln, size_t i)
{
    size_t k = i + 2, r = 0;
    if (i < 4 || !sec_has_at(ln, i, "Q~") || !(ln->s[i - 1] >= '0' && ln->s[i - 1] <= '9'))
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
    if (prev_is_word(ln, i) || !sec_has_at(ln, i, "SG."))
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
    if (sec_is_alnum((unsigned char)s[k]) || s[k] == '+' || s[k] == '/')
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
    if (eq < 4 || ln->s[eq - 1] != 'g' || !sec_has_at(ln, eq - 4, "&sig=") || an_find(ln->s, eq - 4, "sv=") == (size_t)-1)
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
    if (sec_has_at(ln, k, "%3D") || sec_has_at(ln, k, "%3d"))
        k += 3;
    else if (k < ln->n && ln->s[k] == '=')
        k++;
    if (k < ln->n && (sec_is_alnum((unsigned char)ln->s[k]) || ln->s[k] == '%'))
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
        if (eq < m || memcmp(ln->s + eq - m, names[k], m) != 0 || (eq > m && sec_is_alnum((unsigned char)ln->s[eq - m - 1])))
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

/* A line a key's body is expected on (after a PEM header that closed its
 * literal, or a PuTTY key file's "Private-Lines:"): its first literal, or
 * the line itself, holds a body line. Notes where a PuTTY key file says its
 * private part follows. */
int sec_check_key_body(line_t *ln)
{
    secrets_state_t *st = ln->st;
    size_t k = 0, r;
    if (!st->ppk_file && ln->n > 0 && ln->s[0] == 'P' && sec_has_at(ln, 0, "PuTTY-User-Key-File-"))
        st->ppk_file = 1;
    if (st->ppk_file && sec_has_at(ln, 0, "Private-Lines:"))
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

