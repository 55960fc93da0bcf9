/*
 * log_json.c: a key=value log line as one JSON object (log_format=json), for
 * log shippers that want JSON. Values are strings: a quoted value (from
 * al_log_quote) is unescaped, then written with JSON's escapes; bytes that
 * are not valid UTF-8 become U+FFFD, so every line is valid JSON. A token
 * that is not key=value is appended to "msg". Owns nothing.
 */
#include "common/log_internal.h"
#include "common/utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t cap, len;
    int full;
} out_t;

static void s_put(out_t *o, const char *s, size_t n)
{
    if (o->full || o->len + n + 3 > o->cap) {   /* room for "}\n\0" stays */
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void s_json_string(out_t *o, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    s_put(o, "\"", 1);
    for (size_t i = 0; i < n;) {
        char esc[8];
        if (p[i] == '"' || p[i] == '\\') {
            esc[0] = '\\';
            esc[1] = (char)p[i];
            s_put(o, esc, 2);
        } else if (p[i] < 0x20 || p[i] == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", p[i]);
            s_put(o, esc, 6);
        } else if (p[i] >= 0x80) {
            size_t len = al_utf8_seq_len(p + i, n - i);
            if (len) {
                s_put(o, s + i, len);
                i += len;
                continue;
            }
            s_put(o, "\\ufffd", 6);
        } else {
            s_put(o, s + i, 1);
        }
        i++;
    }
    s_put(o, "\"", 1);
}

/* Unescapes a quoted value starting at p (after the opening quote) into
 * val; returns the position after the closing quote. */
static const char *s_unquote(const char *p, char *val, size_t cap, size_t *n)
{
    *n = 0;
    for (; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\' && p[1]) {
            p++;
            c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
            unsigned v;
            if (*p == 'x' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]) &&
                sscanf(p + 1, "%2x", &v) == 1) {
                c = (char)v;
                p += 2;
            }
        }
        if (*n + 1 < cap)
            val[(*n)++] = c;
    }
    return *p == '"' ? p + 1 : p;
}

/* One "key":"value" member, whole or not at all (a line too long for the
 * buffer loses its last members, never its syntax). */
static void s_member(out_t *o, int *first, const char *key, size_t klen, const char *val, size_t vlen)
{
    size_t mark = o->len;
    if (!*first)
        s_put(o, ",", 1);
    s_json_string(o, key, klen);
    s_put(o, ":", 1);
    s_json_string(o, val, vlen);
    if (o->full)
        o->len = mark;
    else
        *first = 0;
}

size_t al_log_line_to_json(const char *line, size_t len, char *buf, size_t cap)
{
    out_t o = { buf, cap, 0, 0 };
    char val[LOG_LINE_MAX], msg[LOG_LINE_MAX];
    size_t msg_len = 0;
    const char *p = line, *end = line + len;
    s_put(&o, "{", 1);
    int first = 1;
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        const char *k = p;
        while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
            p++;
        if (p < end && *p == '=' && p > k) {
            size_t klen = (size_t)(p - k), vlen = 0;
            p++;
            if (p < end && *p == '"') {
                p = s_unquote(p + 1, val, sizeof val, &vlen);
            } else {
                const char *v = p;
                while (p < end && *p != ' ')
                    p++;
                vlen = (size_t)(p - v) < sizeof val ? (size_t)(p - v) : sizeof val - 1;
                memcpy(val, v, vlen);
            }
            s_member(&o, &first, k, klen, val, vlen);
            continue;
        }
        const char *t = k;   /* not key=value: to msg */
        while (p < end && *p != ' ')
            p++;
        if (p > t && msg_len + (size_t)(p - t) + 1 < sizeof msg) {
            if (msg_len)
                msg[msg_len++] = ' ';
            memcpy(msg + msg_len, t, (size_t)(p - t));
            msg_len += (size_t)(p - t);
        }
        if (p == t)
            p++;
    }
    if (msg_len)
        s_member(&o, &first, "msg", 3, msg, msg_len);
    o.buf[o.len++] = '}';
    o.buf[o.len++] = '\n';
    o.buf[o.len] = '\0';
    return o.len;
}
