/*
 * sni.c: ClientHello / server_name parser (RFC 8446 4.1.2, RFC 6066 3).
 *
 * A cursor over a bounded slice; every read checks the bytes left first, and
 * every nested vector gets its own sub-cursor so a length field can never
 * reach past its parent. Only the first record is examined: a ClientHello
 * whose extensions continue in a second record is reported MALFORMED (the
 * proxy refuses it; real clients send the ClientHello in one record).
 */
#include "worker/egress/sni.h"

#include <stdbool.h>
#include <string.h>

typedef struct {
    const uint8_t *p;
    size_t left;
} cur_t;

static bool s_u8(cur_t *c, unsigned *v)
{
    if (c->left < 1)
        return false;
    *v = c->p[0];
    c->p++;
    c->left--;
    return true;
}

static bool s_u16(cur_t *c, unsigned *v)
{
    if (c->left < 2)
        return false;
    *v = (unsigned)c->p[0] << 8 | c->p[1];
    c->p += 2;
    c->left -= 2;
    return true;
}

static bool s_skip(cur_t *c, size_t n)
{
    if (c->left < n)
        return false;
    c->p += n;
    c->left -= n;
    return true;
}

/* Splits off a sub-cursor of n bytes. */
static bool s_sub(cur_t *c, size_t n, cur_t *sub)
{
    if (c->left < n)
        return false;
    sub->p = c->p;
    sub->left = n;
    return s_skip(c, n);
}

/* server_name extension body: ServerNameList. */
static egress_tls_result_t s_server_name(cur_t ext, char *out, size_t outsz)
{
    unsigned list_len, type, name_len;
    cur_t list, name;
    if (!s_u16(&ext, &list_len) || !s_sub(&ext, list_len, &list) || ext.left != 0)
        return EGRESS_TLS_MALFORMED;
    while (list.left > 0) {
        if (!s_u8(&list, &type) || !s_u16(&list, &name_len) || !s_sub(&list, name_len, &name))
            return EGRESS_TLS_MALFORMED;
        if (type != 0)
            continue;
        if (name_len == 0 || name_len >= outsz || name_len > 255)
            return EGRESS_TLS_MALFORMED;
        for (size_t i = 0; i < name_len; i++) {
            uint8_t ch = name.p[i];
            if (ch <= 0x20 || ch >= 0x7f)
                return EGRESS_TLS_MALFORMED;
        }
        memcpy(out, name.p, name_len);
        out[name_len] = '\0';
        return EGRESS_TLS_SNI;
    }
    return EGRESS_TLS_MALFORMED; /* extension present but no host_name */
}

static egress_tls_result_t s_extensions(cur_t *body, char *out, size_t outsz)
{
    unsigned total, type, len;
    cur_t exts, ext;
    bool seen = false;
    egress_tls_result_t r = EGRESS_TLS_NO_SNI;
    if (body->left == 0)
        return EGRESS_TLS_NO_SNI; /* no extensions at all */
    if (!s_u16(body, &total) || !s_sub(body, total, &exts))
        return EGRESS_TLS_MALFORMED;
    while (exts.left > 0) {
        if (!s_u16(&exts, &type) || !s_u16(&exts, &len) || !s_sub(&exts, len, &ext))
            return EGRESS_TLS_MALFORMED;
        if (type != 0)
            continue;
        if (seen)
            return EGRESS_TLS_MALFORMED; /* duplicate server_name */
        seen = true;
        r = s_server_name(ext, out, outsz);
        if (r != EGRESS_TLS_SNI)
            return r;
    }
    return r;
}

static egress_tls_result_t s_client_hello(cur_t hs, char *out, size_t outsz)
{
    unsigned type, l0, l1, l2, sid_len, cs_len, comp_len;
    cur_t body;
    if (!s_u8(&hs, &type) || type != 1)
        return EGRESS_TLS_MALFORMED;
    if (!s_u8(&hs, &l0) || !s_u8(&hs, &l1) || !s_u8(&hs, &l2))
        return EGRESS_TLS_MALFORMED;
    size_t hs_len = (size_t)l0 << 16 | (size_t)l1 << 8 | l2;
    if (!s_sub(&hs, hs_len, &body))
        return EGRESS_TLS_MALFORMED; /* continues in a later record */
    if (!s_skip(&body, 2 + 32))      /* legacy_version, random */
        return EGRESS_TLS_MALFORMED;
    if (!s_u8(&body, &sid_len) || sid_len > 32 || !s_skip(&body, sid_len))
        return EGRESS_TLS_MALFORMED;
    if (!s_u16(&body, &cs_len) || cs_len < 2 || cs_len % 2 || !s_skip(&body, cs_len))
        return EGRESS_TLS_MALFORMED;
    if (!s_u8(&body, &comp_len) || comp_len < 1 || !s_skip(&body, comp_len))
        return EGRESS_TLS_MALFORMED;
    egress_tls_result_t r = s_extensions(&body, out, outsz);
    if (r != EGRESS_TLS_MALFORMED && body.left != 0)
        return EGRESS_TLS_MALFORMED; /* trailing bytes inside the ClientHello */
    return r;
}

egress_tls_result_t egress_sni_parse(const uint8_t *buf, size_t len, char *out, size_t outsz)
{
    if (!out || outsz < 256)
        return EGRESS_TLS_MALFORMED;
    out[0] = '\0';
    if (len == 0)
        return EGRESS_TLS_NEED_MORE;
    if (buf[0] != 0x16)
        return EGRESS_TLS_NOT_TLS;
    if (len >= 2 && buf[1] != 0x03)
        return EGRESS_TLS_NOT_TLS;
    if (len < 5)
        return EGRESS_TLS_NEED_MORE;
    size_t rec_len = (size_t)buf[3] << 8 | buf[4];
    if (rec_len == 0 || rec_len > 16384)
        return EGRESS_TLS_MALFORMED;
    if (len < 5 + rec_len)
        return EGRESS_TLS_NEED_MORE;
    cur_t hs = { buf + 5, rec_len };
    return s_client_hello(hs, out, outsz);
}

const char *egress_tls_result_name(egress_tls_result_t r)
{
    switch (r) {
    case EGRESS_TLS_SNI: return "sni";
    case EGRESS_TLS_NO_SNI: return "no_sni";
    case EGRESS_TLS_NEED_MORE: return "need_more";
    case EGRESS_TLS_NOT_TLS: return "not_tls";
    case EGRESS_TLS_MALFORMED: return "malformed";
    }
    return "?";
}
