/*
 * head.c: strict HTTP/1.x request-head parser and the plain-HTTP rewrite.
 *
 * Works on the caller's buffer; nothing is allocated. The parser decides only
 * what the request says (method, target, token, body framing); policy (token
 * validity, allowlist) is the caller's.
 */
#include "worker/egress/head.h"

#include "common/error.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *p;
    size_t len;
} span_t;

static const char *const s_hop_headers[] = {
    "connection", "keep-alive", "te", "trailer", "upgrade", "host",
};

bool egress_head_complete(const char *buf, size_t len, size_t *head_len)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end)
        return false;
    *head_len = (size_t)(end - buf) + 4;
    return true;
}

/* Next CRLF-terminated line of [*pos, end); false at the blank line or end. */
static bool s_line_next(const char *buf, size_t end, size_t *pos, span_t *line)
{
    const char *s = buf + *pos;
    const char *crlf = memmem(s, end - *pos, "\r\n", 2);
    if (!crlf || crlf == s)
        return false;
    line->p = s;
    line->len = (size_t)(crlf - s);
    *pos += line->len + 2;
    return true;
}

static bool s_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int s_port_parse(span_t s, uint16_t *port)
{
    unsigned v = 0;
    if (s.len == 0 || s.len > 5)
        return al_err_set(AL_EPROTO, "bad port");
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return al_err_set(AL_EPROTO, "bad port");
        v = v * 10 + (unsigned)(s.p[i] - '0');
    }
    if (v == 0 || v > 65535)
        return al_err_set(AL_EPROTO, "port %u out of range", v);
    *port = (uint16_t)v;
    return AL_OK;
}

/* "host", "host:port", "[v6]", "[v6]:port"; def_port when none and allowed. */
static int s_authority_parse(span_t a, bool port_required, uint16_t def_port, egress_head_t *h)
{
    span_t host = a, port = { NULL, 0 };
    if (a.len > 0 && a.p[0] == '[') {
        const char *rb = memchr(a.p, ']', a.len);
        if (!rb)
            return al_err_set(AL_EPROTO, "unterminated [ in authority");
        host.len = (size_t)(rb - a.p) + 1;
    } else {
        const char *c = memrchr(a.p, ':', a.len);
        host.len = c ? (size_t)(c - a.p) : a.len;
    }
    if (host.len < a.len) {
        if (host.p[host.len] != ':')
            return al_err_set(AL_EPROTO, "junk after ] in authority");
        port.p = a.p + host.len + 1;
        port.len = a.len - host.len - 1;
    }
    if (memchr(a.p, '@', a.len))
        return al_err_set(AL_EPROTO, "userinfo in authority");
    h->kind = egress_host_normalize(host.p, host.len, h->host);
    if (h->kind == EGRESS_HOST_INVALID)
        return al_err_set(AL_EPROTO, "invalid host in authority");
    if (port.p)
        return s_port_parse(port, &h->port);
    if (port_required)
        return al_err_set(AL_EPROTO, "CONNECT target needs host:port");
    h->port = def_port;
    return AL_OK;
}

static int s_target_parse(span_t t, egress_head_t *h)
{
    if (h->is_connect)
        return s_authority_parse(t, true, 0, h);
    if (t.len < 7 || strncasecmp(t.p, "http://", 7) != 0)
        return al_err_set(AL_EPROTO, "plain requests need an absolute http:// target "
                                     "(use CONNECT for https)");
    span_t a = { t.p + 7, t.len - 7 };
    size_t alen = strcspn(a.p, "/? ");
    if (alen > a.len)
        alen = a.len;
    a.len = alen;
    h->path = a.p + alen;
    h->path_len = t.len - 7 - alen;
    return s_authority_parse(a, false, 80, h);
}

static int s_request_line(span_t l, egress_head_t *h)
{
    const char *sp1 = memchr(l.p, ' ', l.len);
    if (!sp1 || sp1 == l.p || (size_t)(sp1 - l.p) >= sizeof h->method)
        return al_err_set(AL_EPROTO, "bad method");
    for (const char *c = l.p; c < sp1; c++)
        if (!((*c >= 'A' && *c <= 'Z') || *c == '-'))
            return al_err_set(AL_EPROTO, "bad method");
    memcpy(h->method, l.p, (size_t)(sp1 - l.p));
    h->method[sp1 - l.p] = '\0';
    h->is_connect = strcmp(h->method, "CONNECT") == 0;
    span_t rest = { sp1 + 1, l.len - (size_t)(sp1 + 1 - l.p) };
    const char *sp2 = memchr(rest.p, ' ', rest.len);
    if (!sp2 || sp2 == rest.p)
        return al_err_set(AL_EPROTO, "bad request target");
    span_t target = { rest.p, (size_t)(sp2 - rest.p) };
    for (size_t i = 0; i < target.len; i++)
        if (target.p[i] <= 0x20 || target.p[i] >= 0x7f)
            return al_err_set(AL_EPROTO, "bad character in request target");
    span_t ver = { sp2 + 1, rest.len - target.len - 1 };
    if (ver.len != 8 || (memcmp(ver.p, "HTTP/1.1", 8) != 0 && memcmp(ver.p, "HTTP/1.0", 8) != 0))
        return al_err_set(AL_EPROTO, "only HTTP/1.0 and HTTP/1.1 are spoken");
    return s_target_parse(target, h);
}

static int s_auth_parse(span_t v, egress_head_t *h)
{
    unsigned char dec[300];
    if (h->has_auth)
        return al_err_set(AL_EPROTO, "more than one Proxy-Authorization");
    h->has_auth = true;
    if (v.len < 6 || strncasecmp(v.p, "Basic ", 6) != 0)
        return AL_OK; /* unknown scheme: no token, answered 407 */
    span_t b = { v.p + 6, v.len - 6 };
    if (b.len == 0 || b.len % 4 || b.len / 4 * 3 >= sizeof dec)
        return AL_OK;
    for (size_t i = 0; i < b.len; i++) {
        char c = b.p[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/';
        bool pad = c == '=' && i + 2 >= b.len && b.p[b.len - 1] == '=';
        if (!alpha && !pad)
            return AL_OK;
    }
    int n = EVP_DecodeBlock(dec, (const unsigned char *)b.p, (int)b.len);
    if (n < 0)
        return AL_OK;
    n -= (b.p[b.len - 1] == '=') + (b.p[b.len - 2] == '=');
    unsigned char *colon = memchr(dec, ':', (size_t)n);
    size_t plen = colon ? (size_t)(dec + n - colon - 1) : 0;
    if (colon && plen < sizeof h->token && !memchr(colon + 1, '\0', plen)) {
        memcpy(h->token, colon + 1, plen);
        h->token[plen] = '\0';
    }
    return AL_OK;
}

static int s_content_length(span_t v, egress_head_t *h)
{
    if (h->content_length >= 0)
        return al_err_set(AL_EPROTO, "more than one Content-Length");
    if (v.len == 0 || v.len > 15)
        return al_err_set(AL_EPROTO, "bad Content-Length");
    int64_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return al_err_set(AL_EPROTO, "bad Content-Length");
        n = n * 10 + (v.p[i] - '0');
    }
    h->content_length = n;
    return AL_OK;
}

static int s_header(span_t l, egress_head_t *h)
{
    const char *colon = memchr(l.p, ':', l.len);
    if (!colon || colon == l.p)
        return al_err_set(AL_EPROTO, "header line without a name");
    span_t name = { l.p, (size_t)(colon - l.p) };
    for (size_t i = 0; i < name.len; i++)
        if (!s_tchar(name.p[i]))
            return al_err_set(AL_EPROTO, "bad character in header name (or obs-fold)");
    span_t v = { colon + 1, l.len - name.len - 1 };
    for (size_t i = 0; i < v.len; i++)
        if (((unsigned char)v.p[i] < 0x20 && v.p[i] != '\t') || v.p[i] == 0x7f)
            return al_err_set(AL_EPROTO, "control character in header value");
    while (v.len && (v.p[0] == ' ' || v.p[0] == '\t'))
        v.p++, v.len--;
    while (v.len && (v.p[v.len - 1] == ' ' || v.p[v.len - 1] == '\t'))
        v.len--;
    if (name.len == 19 && strncasecmp(name.p, "Proxy-Authorization", 19) == 0)
        return s_auth_parse(v, h);
    if (name.len == 14 && strncasecmp(name.p, "Content-Length", 14) == 0)
        return s_content_length(v, h);
    if (name.len == 17 && strncasecmp(name.p, "Transfer-Encoding", 17) == 0) {
        if (h->chunked || v.len != 7 || strncasecmp(v.p, "chunked", 7) != 0)
            return al_err_set(AL_EPROTO, "Transfer-Encoding other than one 'chunked'");
        h->chunked = true;
    }
    return AL_OK;
}

int egress_head_parse(const char *buf, size_t head_len, egress_head_t *h)
{
    memset(h, 0, sizeof *h);
    h->content_length = -1;
    h->head_len = head_len;
    if (head_len < 4 || memcmp(buf + head_len - 4, "\r\n\r\n", 4) != 0)
        return al_err_set(AL_EPROTO, "request head not terminated by a blank line");
    if (memchr(buf, '\0', head_len))
        return al_err_set(AL_EPROTO, "NUL byte in request head");
    size_t pos = 0;
    span_t line;
    if (!s_line_next(buf, head_len, &pos, &line))
        return al_err_set(AL_EPROTO, "empty request line");
    if (memchr(line.p, '\n', line.len))
        return al_err_set(AL_EPROTO, "bare LF in request line");
    int rc = s_request_line(line, h);
    while (rc == AL_OK && s_line_next(buf, head_len, &pos, &line))
        rc = memchr(line.p, '\n', line.len) ? al_err_set(AL_EPROTO, "bare LF in header")
                                             : s_header(line, h);
    if (rc == AL_OK && pos != head_len - 2)
        rc = al_err_set(AL_EPROTO, "malformed header block");
    if (rc == AL_OK && h->chunked && h->content_length >= 0)
        rc = al_err_set(AL_EPROTO, "both Content-Length and Transfer-Encoding");
    return rc;
}

static bool s_is_hop(span_t line)
{
    const char *colon = memchr(line.p, ':', line.len);
    size_t nl = colon ? (size_t)(colon - line.p) : line.len;
    if (nl >= 6 && strncasecmp(line.p, "proxy-", 6) == 0)
        return true; /* every Proxy-* header is for this proxy only */
    for (size_t i = 0; i < sizeof s_hop_headers / sizeof *s_hop_headers; i++)
        if (strlen(s_hop_headers[i]) == nl && strncasecmp(line.p, s_hop_headers[i], nl) == 0)
            return true;
    return false;
}

int egress_head_rewrite(const char *buf, const egress_head_t *h, char *out, size_t outsz,
                        size_t *outlen)
{
    bool slash = h->path_len == 0 || h->path[0] != '/';
    int n = snprintf(out, outsz, "%s %s%.*s HTTP/1.1\r\n", h->method, slash ? "/" : "",
                     (int)h->path_len, h->path);
    size_t used = n > 0 ? (size_t)n : outsz;
    size_t pos = 0;
    span_t line;
    s_line_next(buf, h->head_len, &pos, &line); /* request line */
    while (used < outsz && s_line_next(buf, h->head_len, &pos, &line)) {
        if (s_is_hop(line))
            continue;
        n = snprintf(out + used, outsz - used, "%.*s\r\n", (int)line.len, line.p);
        used += n > 0 ? (size_t)n : outsz;
    }
    if (used < outsz) {
        char port[8] = "";
        if (h->port != 80)
            snprintf(port, sizeof port, ":%u", h->port);
        n = snprintf(out + used, outsz - used, "Host: %s%s\r\nConnection: close\r\n\r\n",
                     h->host, port);
        used += n > 0 ? (size_t)n : outsz;
    }
    if (used >= outsz)
        return al_err_set(AL_ELIMIT, "rewritten request head exceeds %zu bytes", outsz);
    *outlen = used;
    return AL_OK;
}
