/*
 * secrets_encoded.c: values stored encoded, scanned again decoded (each
 * decoded line goes to the caller's line scan):
 *   - base64: the line's last token (a Kubernetes Secret's `data:`, a .env value);
 *   - hex: a run of >= 32 hex digits on a line that mentions hex (`bytes.fromhex`,
 *     `unhexlify`, `xxd -r -p`, `Buffer.from(…, 'hex')`), decoding to text;
 *   - reversed: a string literal followed by `[::-1]` (Python), or
 *     `.split('').reverse().join('')` (JavaScript), read backwards.
 * A decoding that is not printable text is not a secret a rule could match.
 */
#include <stdint.h>
#include <string.h>

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

/* Decodes the base64 run s[0, n) (padding included, n % 4 == 0) into out;
 * returns the length, or 0 when the result is not printable text (a hash,
 * an image, random bytes: nothing a secret rule could match). */
static size_t b64_text(const char *s, size_t n, char *out)
{
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    while (n > 0 && s[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val((unsigned char)s[i]);
        if (v < 0)
            return 0;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
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

/* A value stored base64-encoded (a Kubernetes Secret's `data:`, a .env or
 * JSON value): the line's last token, when it is a base64 run that decodes
 * to text, is scanned again decoded, behind the same key (`KEY: <decoded>`),
 * so both the known formats and the key-named rules see it. */
static int scan_base64(const char *s, size_t n, sec_line_fn scan, void *ctx)
{
    char buf[256 + B64_MAX];
    size_t e = n, b, m;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '"' ||
                     s[e - 1] == '\'' || s[e - 1] == ',' || s[e - 1] == ';'))
        e--;
    b = e;
    while (b > 0 && e - b < 2 && s[b - 1] == '=')   /* padding, then the run (`KEY=` stops it) */
        b--;
    while (b > 0 && b64_val((unsigned char)s[b - 1]) >= 0)
        b--;
    m = e - b;
    if (m < B64_MIN || m % 4 != 0 || m / 4 * 3 > B64_MAX || b > 256)
        return 0;
    memcpy(buf, s, b);
    size_t d = b64_text(s + b, m, buf + b);
    if (d < 16)
        return 0;
    return scan(ctx, buf, b + d);
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

int sec_scan_encoded(const char *s, size_t n, sec_line_fn scan, void *ctx)
{
    int rc = scan_base64(s, n, scan, ctx);
    rc = rc ? rc : scan_hex(s, n, scan, ctx);
    return rc ? rc : scan_reversed(s, n, scan, ctx);
}
