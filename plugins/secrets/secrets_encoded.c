/*
 * secrets_encoded.c: values stored encoded, scanned again decoded (each
 * decoded line goes to the caller's line scan):
 *   - base64: the line's last token (a Kubernetes Secret's `data:`, a .env
 *     value, the argument of a decode call), also read backwards when the
 *     line reverses something;
 *   - base32: runs of >= 32 base32 digits on a line that mentions b32/base32;
 *   - character codes: a list of >= 16 numbers or one-character literals
 *     (`bytes([65, 75, …])`, `{'A', 'K', …}`, `[]byte{0x41, …}`) spelling text;
 *   - rot13: the string literals of a line that mentions rot13 (or tr's
 *     `N-ZA-M`), rotated back;
 *   - separators: `'ghp_-R8m-…'.replace('-', '')`, the separator taken out;
 *   - hex: a run of >= 32 hex digits on a line that mentions hex (`bytes.fromhex`,
 *     `unhexlify`, `xxd -r -p`, `Buffer.from(…, 'hex')`), decoding to text;
 *   - reversed: a string literal followed by `[::-1]` (Python), or
 *     `.split('').reverse().join('')` (JavaScript), read backwards;
 *   - URL percent-escapes and HTML character references of letters, digits,
 *     '_' and '-' (`ghp%5F…`, `&#103;hp_…`).
 * A decoding that is not printable text is not a secret a rule could match.
 */
#include <stdint.h>
#include <string.h>

#include "an_text.h"
#include "secrets_internal.h"

#define B64_MIN 24     /* shorter runs are ids and hashes, not encoded secrets */
#define B64_MAX 1024   /* decoded bytes looked at */

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

static int b32_val(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
}

/* Decodes the run s[0, n) of digits of `width` bits each (val: a digit's
 * value or -1; `=` padding dropped) into out; returns the length, or 0 when
 * the result is not printable text (a hash, an image, random bytes: nothing
 * a secret rule could match). */
static size_t radix_text(const char *s, size_t n, int (*val)(unsigned char), unsigned width, char *out)
{
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    while (n > 0 && s[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++) {
        int v = val((unsigned char)s[i]);
        if (v < 0)
            return 0;
        acc = (acc << width) | (uint32_t)v;
        bits += width;
        if (bits >= 8) {
            unsigned char c = (unsigned char)(acc >> (bits - 8));
            bits -= 8;
            if (!sec_printable(c) && c != '\n' && c != '\r')
                return 0;
            out[o++] = (char)c;
        }
    }
    return o;
}

static size_t b64_text(const char *s, size_t n, char *out)
{
    return radix_text(s, n, b64_val, 6, out);
}

/* Where `[::-1]` or `.reverse()` starts on the line, or NULL (found by
 * their ':' and 'v', memchr). */
static const char *reversal(const char *s, size_t n)
{
    const char *end = s + n;
    for (const char *p = memchr(s, ':', n); p; p = memchr(p + 1, ':', (size_t)(end - p - 1)))
        if (p > s && end - p >= 5 && memcmp(p - 1, "[::-1]", 6) == 0)
            return p - 1;
    for (const char *p = memchr(s, 'v', n); p; p = memchr(p + 1, 'v', (size_t)(end - p - 1)))
        if (p - s >= 3 && end - p >= 7 && memcmp(p - 3, ".reverse()", 10) == 0)
            return p - 3;
    return NULL;
}

static void reverse_bytes(char *p, size_t n)
{
    for (size_t k = 0; k < n / 2; k++) {
        char t = p[k];
        p[k] = p[n - 1 - k];
        p[n - 1 - k] = t;
    }
}

/* The base64 run that ends s[0, e), behind closing punctuation (quotes,
 * `,;)}]`, blanks): its start *b and its length (0: none, or not of a
 * base64 value's shape). */
static size_t last_base64_run(const char *s, size_t e, size_t *b)
{
    size_t m;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '"' ||
                     s[e - 1] == '\'' || s[e - 1] == ',' || s[e - 1] == ';' || s[e - 1] == ')' ||
                     s[e - 1] == '}' || s[e - 1] == ']'))
        e--;
    *b = e;
    while (*b > 0 && e - *b < 2 && s[*b - 1] == '=')   /* padding, then the run (`KEY=` stops it) */
        (*b)--;
    while (*b > 0 && ((secrets_class[(unsigned char)s[*b - 1]] >> SCL_B64DIGIT) & 1u))
        (*b)--;   /* b64_val(c) >= 0, by table: every line's last token goes through here */
    m = e - *b;
    return m >= B64_MIN && m % 4 == 0 && *b <= 256 ? m : 0;
}

/* Where a comment starts on the line (the first '#' after a blank: Python,
 * shell, YAML, Ruby), or 0 when there is none. */
static size_t comment_start(const char *s, size_t n)
{
    const char *p = memchr(s, '#', n);
    return p && p > s && (p[-1] == ' ' || p[-1] == '\t') ? (size_t)(p - s) : 0;
}

/* Whether a base64 run longer than B64_MAX decoded bytes begins like a key
 * file: "LS0tLS" ("-----", a PEM: a kubeconfig's client-key-data) or "ew",
 * "ey" ("{", a JSON key file: GOOGLE_CREDENTIALS). Only those are decoded
 * (their head), so long images and blobs cost nothing. */
static int key_file_head(const char *r)
{
    return memcmp(r, "LS0tLS", 6) == 0 || (r[0] == 'e' && (r[1] == 'w' || r[1] == 'y'));
}

/* A value stored base64-encoded (a Kubernetes Secret's `data:`, a .env or
 * JSON value): the line's last token, or else, on a line that `named` a
 * secret-like keyword's bigram (auth, token, …), the last token before a
 * comment (`"Authorization": "Basic …"}  # bot`), when it is a base64 run that
 * decodes to text, is scanned again decoded, behind the same key
 * (`KEY: <decoded>`), so both the known formats and the key-named rules see it. */
static int scan_base64(const char *s, size_t n, int rev, int named, sec_line_fn scan, void *ctx)
{
    char buf[256 + B64_MAX];
    size_t b, c, m = last_base64_run(s, n, &b);
    if (m == 0 && named && (c = comment_start(s, n)) != 0)
        m = last_base64_run(s, c, &b);
    if (m == 0)
        return 0;
    if (m / 4 * 3 > B64_MAX) {
        if (!key_file_head(s + b))
            return 0;
        m = B64_MAX / 3 * 4;   /* its head, where the format's markers are */
    }
    memcpy(buf, s, b);
    size_t d = b64_text(s + b, m, buf + b);
    if (d < 16)
        return 0;
    int rc = scan(ctx, buf, b + d);
    if (rc == 0 && rev && reversal(s, n)) {   /* b64decode('…')[::-1]: the decoded text read backwards */
        reverse_bytes(buf + b, d);
        rc = scan(ctx, buf, b + d);
    }
    return rc;
}

#define HEX_MIN 32     /* 16 bytes: shorter runs are ids and short hashes */

/* "hex" (fromhex, unhexlify, 'hex') or "xxd" on the line, found by its 'x'
 * (memchr: the hot path is every line). */
static int mentions_hex(const char *s, size_t n)
{
    const char *end = s + n;
    for (const char *p = memchr(s, 'x', n); p; p = memchr(p + 1, 'x', (size_t)(end - p - 1)))
        if ((p - s >= 2 && p[-2] == 'h' && p[-1] == 'e') || (end - p >= 3 && p[1] == 'x' && p[2] == 'd'))
            return 1;
    return 0;
}

/* Every run of HEX_MIN..2*B64_MAX hex digits that decodes to text, scanned
 * decoded behind what precedes it on the line (up to 256 bytes). */
static int scan_hex(const char *s, size_t n, sec_line_fn scan, void *ctx)
{
    char buf[256 + B64_MAX];
    int rc = 0;
    if (!mentions_hex(s, n))
        return 0;
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t e = i;
        while (e < n && sec_hex_digit(s[e]) >= 0)
            e++;
        size_t m = e - i, pre = i < 256 ? i : 256, d = 0;
        if (m >= HEX_MIN && m % 2 == 0 && m / 2 <= B64_MAX) {
            memcpy(buf, s + i - pre, pre);
            for (size_t k = i; k < e; k += 2) {
                unsigned char c = (unsigned char)(sec_hex_digit(s[k]) * 16 + sec_hex_digit(s[k + 1]));
                if (!sec_printable(c))
                    break;
                buf[pre + d++] = (char)c;
            }
            if (d == m / 2)
                rc = scan(ctx, buf, pre + d);
        }
        i = e > i ? e : i + 1;
    }
    return rc;
}

/* "…"[::-1] and '…'.split('').reverse().join(''): the literal before it, read backwards. */
static int scan_reversed(const char *s, size_t n, sec_line_fn scan, void *ctx)
{
    char buf[512];
    const char *p = reversal(s, n);
    size_t e, b, pre, len, o;
    if (!p)
        return 0;
    e = (size_t)(p - s);
    if (e > 10 && (memcmp(s + e - 10, ".split('')", 10) == 0 || memcmp(s + e - 10, ".split(\"\")", 10) == 0))
        e -= 10;   /* JavaScript: '…'.split('').reverse() */
    if (e < 2 || (s[e - 1] != '"' && s[e - 1] != '\''))
        return 0;
    for (b = e - 1; b > 0 && s[b - 1] != s[e - 1]; b--)
        ;
    if (b == 0)
        return 0;   /* b: the literal's first byte, s[b - 1] its opening quote */
    pre = b - 1 < 128 ? b - 1 : 128;
    len = e - 1 - b;
    if (pre + len + 2 > sizeof buf)
        return 0;
    memcpy(buf, s + (b - 1) - pre, pre + 1);   /* what precedes, and the opening quote */
    o = pre + 1;
    for (size_t k = 0; k < len; k++)
        buf[o++] = s[e - 2 - k];
    buf[o++] = s[e - 1];
    return scan(ctx, buf, o);
}

/* Whether the line mentions a decoder named by two digits: "64" after b, e
 * or se (b64decode, base64, decode64) or "32" likewise; found by memchr of
 * the first digit (every line takes this path). */
static int mentions_base(const char *s, size_t n, char d0, char d1)
{
    const char *end = s + n;
    for (const char *p = memchr(s, d0, n); p; p = memchr(p + 1, d0, (size_t)(end - p - 1)))
        if (p > s && end - p >= 2 && p[1] == d1 && (p[-1] == 'b' || p[-1] == 'e' || p[-1] == 'B' || p[-1] == 'E'))
            return 1;
    return 0;
}

/* Calls fn for each string literal of the line (quote state, backslash
 * escapes skipped): fn(s, n, b, e) with the content s[b, e). */
typedef int (*literal_fn)(const char *s, size_t n, size_t b, size_t e, sec_line_fn scan, void *ctx);
static int each_literal(const char *s, size_t n, literal_fn fn, sec_line_fn scan, void *ctx)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (s[i] != '"' && s[i] != '\'' && s[i] != '`')
            continue;
        size_t e = i + 1;
        while (e < n && s[e] != s[i])
            e += s[e] == '\\' ? 2 : 1;
        if (e >= n)
            return 0;
        rc = fn(s, n, i + 1, e, scan, ctx);
        i = e;
    }
    return rc;
}

/* Scans decoded text dec[0, d) behind the line's first `pre` bytes. */
static int scan_behind(const char *s, size_t pre, const char *dec, size_t d, sec_line_fn scan, void *ctx)
{
    char buf[256 + B64_MAX];
    if (pre > 256)
        pre = 256;
    if (d > B64_MAX)
        d = B64_MAX;
    memcpy(buf, s, pre);
    memcpy(buf + pre, dec, d);
    return scan(ctx, buf, pre + d);
}

/* A literal that is one base64 run, on a line that decodes base64
 * (`b64decode('…')`, `atob('…')`): decoded, and backwards too when the line
 * reverses something (`….decode()[::-1]`). */
static int b64_literal(const char *s, size_t n, size_t b, size_t e, sec_line_fn scan, void *ctx)
{
    char dec[B64_MAX];
    size_t m = e - b, d;
    int rc;
    if (m < B64_MIN || m % 4 == 1 || m / 4 * 3 > B64_MAX || (d = b64_text(s + b, m, dec)) < 16)
        return 0;   /* unpadded is fine (atob, Node, Go's Raw encodings); 4k + 1 is no base64 */
    rc = scan_behind(s, b, dec, d, scan, ctx);
    if (rc == 0 && reversal(s, n)) {   /* the line also reversed (b64_literal runs on DECODE hints) */
        reverse_bytes(dec, d);
        rc = scan_behind(s, b, dec, d, scan, ctx);
    }
    return rc;
}

#define B32_MIN 32

/* A literal that is one base32 run (RFC 4648, `=` padding), on a line that
 * mentions b32/base32: decoded. */
static int b32_literal(const char *s, size_t n, size_t b, size_t e, sec_line_fn scan, void *ctx)
{
    char dec[B64_MAX];
    size_t d;
    (void)n;
    if (e - b < B32_MIN || (e - b) % 8 != 0 || (e - b) / 8 * 5 > B64_MAX)
        return 0;
    d = radix_text(s + b, e - b, b32_val, 5, dec);
    return d < 16 ? 0 : scan_behind(s, b, dec, d, scan, ctx);
}

#define CODES_MIN 16   /* characters spelled by a list: shorter lists are data */

/* One item of a character-code list at s[i]: a decimal or 0x number, or a
 * one-character literal; its value (or -1) and *end after it. */
static int code_item(const char *s, size_t n, size_t i, size_t *end)
{
    int v = 0, digits = 0;
    if (i + 2 < n && (s[i] == '\'' || s[i] == '"') && s[i + 2] == s[i] && s[i + 1] != '\\') {
        *end = i + 3;
        return (unsigned char)s[i + 1];
    }
    if (i + 2 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        for (i += 2; i < n && sec_hex_digit(s[i]) >= 0 && digits < 3; i++, digits++)
            v = v * 16 + sec_hex_digit(s[i]);
    } else {
        for (; i < n && s[i] >= '0' && s[i] <= '9' && digits < 4; i++, digits++)
            v = v * 10 + (s[i] - '0');
    }
    *end = i;
    return digits && (i >= n || !(an_is_ident((unsigned char)s[i]))) ? v : -1;
}

/* Lists of >= CODES_MIN character codes (`bytes([65, 75, …])`,
 * `map(chr, [65, …])`, `{'A', 'K', …}`, `[]byte{0x41, …}`) that spell
 * printable text: decoded. Only on a line with that many commas. */
static int scan_codes(const char *s, size_t n, sec_line_fn scan, void *ctx)
{
    char dec[B64_MAX];
    unsigned commas = 0;
    int rc = 0;
    for (const char *p = memchr(s, ',', n); p && commas < CODES_MIN - 1;
         p = memchr(p + 1, ',', n - (size_t)(p + 1 - s)))
        commas++;
    if (commas < CODES_MIN - 1)
        return 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t d = 0, j = i, end, start = i;
        int v;
        if (i > 0 && (an_is_ident((unsigned char)s[i - 1]) || s[i - 1] == '\''))
            continue;
        while (d < sizeof dec && (v = code_item(s, n, j, &end)) >= 0x20 && v < 0x7f) {
            dec[d++] = (char)v;
            j = end;
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            if (j >= n || s[j] != ',')
                break;
            j++;
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
        }
        if (d >= CODES_MIN) {
            rc = scan_behind(s, start, dec, d, scan, ctx);
            i = j;
        }
    }
    return rc;
}

/* "rot13", "rot_13", "rot-13" or tr's "N-ZA-M" on the line, found by
 * memchr of '1' and 'Z'. */
static int mentions_rot13(const char *s, size_t n)
{
    const char *end = s + n;
    for (const char *p = memchr(s, '1', n); p; p = memchr(p + 1, '1', (size_t)(end - p - 1)))
        if (end - p >= 2 && p[1] == '3' &&
            ((p - s >= 3 && (memcmp(p - 3, "rot", 3) == 0 || memcmp(p - 3, "ROT", 3) == 0)) ||
             (p - s >= 4 && (memcmp(p - 4, "rot_", 4) == 0 || memcmp(p - 4, "rot-", 4) == 0))))
            return 1;
    for (const char *p = memchr(s, 'Z', n); p; p = memchr(p + 1, 'Z', (size_t)(end - p - 1)))
        if (p - s >= 2 && end - p >= 4 && p[-2] == 'N' && p[-1] == '-' && p[1] == 'A' && p[2] == '-' &&
            p[3] == 'M')
            return 1;
    return 0;
}

/* The line with its literals' letters rotated by 13 (the code around them
 * as written, so key names still read). */
static int scan_rot13(const char *s, size_t n, sec_line_fn scan, void *ctx)
{
    char buf[2048];
    char quote = 0;
    if (n > sizeof buf || !mentions_rot13(s, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (quote && c == quote)
            quote = 0;
        else if (!quote && (c == '"' || c == '\''))
            quote = c;
        else if (quote && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            c = (char)((c >= 'a' ? 'a' : 'A') + ((c - (c >= 'a' ? 'a' : 'A')) + 13) % 26);
        buf[i] = c;
    }
    return scan(ctx, buf, n);
}

/* The UTF-8 bytes of the code point spelled by four hex digits h[0..3]
 * (a `\uXXXX` escape) into out[3]: their number, or 0. */
static size_t utf8_of_escape(const char *h, char out[3])
{
    unsigned cp = 0;
    for (int k = 0; k < 4; k++) {
        int v = sec_hex_digit(h[k]);
        if (v < 0)
            return 0;
        cp = cp * 16 + (unsigned)v;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* `'ghp_-R8m-…'.replace('-', '')` (also replaceAll): the literal before the
 * call with the separator taken out; a separator written `\u200b` also takes
 * out the character itself (a zero-width space hidden in the token). Found by
 * memchr of '.'. */
static int scan_replaced(const char *s, size_t n, sec_line_fn scan, void *ctx)
{
    const char *end = s + n;
    int rc = 0;
    for (const char *p = memchr(s, '.', n); rc == 0 && p; p = memchr(p + 1, '.', (size_t)(end - p - 1))) {
        size_t at = (size_t)(p - s), a, b, sep, k;
        char q, dec[B64_MAX];
        if (at < 2 || end - p < 13 || memcmp(p, ".replace", 8) != 0 || (s[at - 1] != '"' && s[at - 1] != '\''))
            continue;
        a = at + 8 + (memcmp(p + 8, "All", 3) == 0 ? 3 : 0);
        if (a + 6 > n || s[a] != '(' || (s[a + 1] != '"' && s[a + 1] != '\''))
            continue;
        q = s[a + 1];
        for (sep = a + 2; sep < n && s[sep] != q && sep - a < 9; sep++)
            ;
        if (sep >= n || s[sep] != q || sep == a + 2 || (sep - a > 5 && s[a + 2] != '\\'))
            continue;   /* s[a + 2, sep): the separator, 1-3 bytes or one \uXXXX */
        k = sep + 1;
        while (k < n && (s[k] == ',' || s[k] == ' '))
            k++;
        if (k + 1 >= n || (s[k] != '"' && s[k] != '\'') || s[k + 1] != s[k])
            continue;   /* replaced by an empty literal */
        for (b = at - 1; b > 0 && s[b - 1] != s[at - 1]; b--)
            ;
        if (b == 0)
            continue;
        size_t d = 0, m = sep - (a + 2), m8 = 0;
        char utf8[3];
        if (m == 6 && s[a + 3] == 'u')   /* `\u200b`: the literal may hold the character itself */
            m8 = utf8_of_escape(s + a + 4, utf8);
        for (size_t i = b; i < at - 1 && d < sizeof dec; i++) {
            if (i + m <= at - 1 && memcmp(s + i, s + a + 2, m) == 0) {
                i += m - 1;
                continue;
            }
            if (m8 && i + m8 <= at - 1 && memcmp(s + i, utf8, m8) == 0) {
                i += m8 - 1;
                continue;
            }
            dec[d++] = s[i];
        }
        rc = scan_behind(s, b, dec, d, scan, ctx);
    }
    return rc;
}

/* A token's own characters written another way: URL percent-escapes
 * (`ghp%5F…`, `%67hp_…`) and HTML/XML character references (`&#103;hp_…`,
 * `&#x67;`) of letters, digits, '_' and '-'. Nobody needs to escape those
 * (RFC 3986's unreserved characters; HTML's plain text), so such an escape
 * only hides what it spells. At s[i]: the escape's length with *out the
 * byte it stands for, or 0. */
static size_t char_escape(const char *s, size_t n, size_t i, char *out)
{
    int hi, lo;
    size_t k;
    unsigned v = 0;
    if (s[i] == '%' && i + 2 < n && (hi = sec_hex_digit(s[i + 1])) >= 0 && (lo = sec_hex_digit(s[i + 2])) >= 0) {
        v = (unsigned)(hi * 16 + lo);
        k = 3;
    } else if (s[i] == '&' && i + 3 < n && s[i + 1] == '#') {
        int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
        for (k = i + 2 + (size_t)hex; k < n && k < i + 8 && s[k] != ';'; k++) {
            int dgt = hex ? sec_hex_digit(s[k]) : (s[k] >= '0' && s[k] <= '9' ? s[k] - '0' : -1);
            if (dgt < 0)
                return 0;
            v = v * (hex ? 16u : 10u) + (unsigned)dgt;
        }
        if (k >= n || s[k] != ';' || k == i + 2 + (size_t)hex)
            return 0;
        k = k + 1 - i;
    } else {
        return 0;
    }
    if (v > 0x7f || !(sec_is_alnum((unsigned char)v) || v == '_' || v == '-'))
        return 0;
    *out = (char)v;
    return k;
}

/* The first such escape at or after a lead byte `lead` ('%' or '&'), or n. */
static size_t first_char_escape(const char *s, size_t n, char lead)
{
    char c;
    const char *end = s + n;
    for (const char *p = memchr(s, lead, n); p; p = memchr(p + 1, lead, (size_t)(end - p - 1)))
        if (p + 2 < end && (lead == '%' ? p[1] >= '2' && p[1] <= '7' : p[1] == '#') &&
            char_escape(s, n, (size_t)(p - s), &c))   /* the cheap test first: `%s`, `&&` are common */
            return (size_t)(p - s);
    return n;
}

/* The line with such escapes decoded, when it has any. */
static int scan_char_escapes(const char *s, size_t n, sec_line_fn scan, void *ctx)
{
    char buf[2048];
    size_t first, amp, k, d;
    if (n > sizeof buf)
        return 0;
    first = first_char_escape(s, n, '%');
    amp = first_char_escape(s, first, '&');
    first = amp < first ? amp : first;
    if (first == n)
        return 0;
    memcpy(buf, s, first);
    d = first;
    for (size_t i = first; i < n; i++) {
        if ((k = char_escape(s, n, i, &buf[d])) != 0) {
            d++;
            i += k - 1;
            continue;
        }
        buf[d++] = s[i];
    }
    return scan(ctx, buf, d);
}

int sec_scan_encoded(const char *s, size_t n, uint64_t hints, sec_line_fn scan, void *ctx)
{
    int rev = (hints & SECRETS_HINT_REVERSE) != 0;
    int rc = scan_base64(s, n, rev, (hints & SECRETS_KEYWORD_MASK) != 0, scan, ctx);
    if (rc == 0 && (hints & SECRETS_HINT_HEX))
        rc = scan_hex(s, n, scan, ctx);
    if (rc == 0 && rev)
        rc = scan_reversed(s, n, scan, ctx);
    if (rc == 0 && n >= CODES_MIN * 2)
        rc = scan_codes(s, n, scan, ctx);
    if (rc == 0 && (hints & SECRETS_HINT_ESCAPE))
        rc = scan_char_escapes(s, n, scan, ctx);
    if (rc || !(hints & SECRETS_HINT_DECODE))
        return rc;
    if (mentions_base(s, n, '6', '4') || an_find(s, n, "atob(") != (size_t)-1)
        rc = each_literal(s, n, b64_literal, scan, ctx);
    if (rc == 0 && mentions_base(s, n, '3', '2'))
        rc = each_literal(s, n, b32_literal, scan, ctx);
    rc = rc ? rc : scan_rot13(s, n, scan, ctx);
    return rc ? rc : scan_replaced(s, n, scan, ctx);
}
