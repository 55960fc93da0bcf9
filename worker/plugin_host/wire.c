/*
 * wire.c: the child -> parent stream of the plugin runner. Messages are
 * msgpack arrays (see plugin_host_internal.h), written with msgpack-c's
 * packer. The parent's reader is a small strict decoder of exactly the
 * subset we send (fixarray, integers, nil, strings): every length is checked
 * against the bytes present BEFORE anything is allocated, so a hostile or
 * broken child cannot make the parent allocate more than it sent, nest, or
 * smuggle NUL bytes. Owns only the strings of the wire_msg_t it fills.
 */
#include "worker/plugin_host/plugin_host_internal.h"

#include "common/error.h"

#include <errno.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- writer (child) ----------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void pack_str(msgpack_packer *pk, const char *s, size_t max)
{
    if (!s) {
        msgpack_pack_nil(pk);
        return;
    }
    size_t n = strnlen(s, max);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

/* Starts message `type` with n elements after the type. */
static void begin(msgpack_sbuffer *sb, msgpack_packer *pk, int type, size_t n)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
    msgpack_pack_array(pk, n + 1);
    msgpack_pack_int(pk, type);
}

static int flush(int fd, msgpack_sbuffer *sb)
{
    int rc = write_all(fd, sb->data, sb->size);
    msgpack_sbuffer_destroy(sb);
    return rc;
}

int wire_send_finding(int fd, const airlock_finding_t *f)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin(&sb, &pk, WIRE_FINDING, 6);
    pack_str(&pk, f->rule_id, AIRLOCK_MAX_RULE_ID);
    msgpack_pack_int32(&pk, f->severity);
    pack_str(&pk, f->file, AIRLOCK_MAX_PATH);
    msgpack_pack_uint32(&pk, f->line);
    pack_str(&pk, f->message, AIRLOCK_MAX_MESSAGE);
    pack_str(&pk, f->evidence, AIRLOCK_MAX_EVIDENCE);
    return flush(fd, &sb);
}

int wire_send_log(int fd, int level, const char *msg)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin(&sb, &pk, WIRE_LOG, 2);
    msgpack_pack_int(&pk, level);
    pack_str(&pk, msg ? msg : "", AIRLOCK_MAX_MESSAGE);
    return flush(fd, &sb);
}

int wire_send_done(int fd, int init_rc, int analyze_rc, uint64_t dropped)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin(&sb, &pk, WIRE_DONE, 3);
    msgpack_pack_int(&pk, init_rc);
    msgpack_pack_int(&pk, analyze_rc);
    msgpack_pack_uint64(&pk, dropped);
    return flush(fd, &sb);
}

int wire_send_info(int fd, const airlock_plugin_t *d)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin(&sb, &pk, WIRE_INFO, 3);
    pack_str(&pk, d->name, 32);
    pack_str(&pk, d->version, 64);
    msgpack_pack_uint64(&pk, d->capabilities);
    return flush(fd, &sb);
}

int wire_send_error(int fd, const char *msg)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin(&sb, &pk, WIRE_ERROR, 1);
    pack_str(&pk, msg, 1024);
    return flush(fd, &sb);
}

/* ---- strict reader (parent) ------------------------------------------------------ */

typedef struct {
    const unsigned char *p;
    size_t n, off;
} rd_t;

static int need(rd_t *r, size_t k) { return r->n - r->off >= k ? 0 : AL_EPROTO; }

static uint64_t be(const unsigned char *p, size_t k)
{
    uint64_t v = 0;
    for (size_t i = 0; i < k; i++)
        v = (v << 8) | p[i];
    return v;
}

static int rd_int(rd_t *r, int64_t *out)
{
    if (need(r, 1))
        return AL_EPROTO;
    unsigned c = r->p[r->off++];
    size_t k = 0;
    if (c <= 0x7f || c >= 0xe0) {
        *out = (int8_t)c;
        if (c <= 0x7f)
            *out = (int64_t)c;
        return 0;
    }
    if (c >= 0xcc && c <= 0xcf)
        k = (size_t)1 << (c - 0xcc);
    else if (c >= 0xd0 && c <= 0xd3)
        k = (size_t)1 << (c - 0xd0);
    else
        return AL_EPROTO;
    if (need(r, k))
        return AL_EPROTO;
    uint64_t v = be(r->p + r->off, k);
    r->off += k;
    if (c >= 0xd0) { /* signed: sign-extend */
        unsigned shift = (unsigned)(64 - 8 * k);
        *out = (int64_t)(v << shift) >> shift;
    } else {
        if (v > INT64_MAX)
            return AL_EPROTO;
        *out = (int64_t)v;
    }
    return 0;
}

/* A string of at most max bytes (no NUL inside), or nil when nil_ok. */
static int rd_str(rd_t *r, size_t max, int nil_ok, char **out)
{
    *out = NULL;
    if (need(r, 1))
        return AL_EPROTO;
    unsigned c = r->p[r->off++];
    size_t len, k = 0;
    if (c == 0xc0)
        return nil_ok ? 0 : AL_EPROTO;
    if (c >= 0xa0 && c <= 0xbf)
        len = c & 0x1f;
    else if (c >= 0xd9 && c <= 0xdb) {
        k = (size_t)1 << (c - 0xd9);
        if (need(r, k))
            return AL_EPROTO;
        len = (size_t)be(r->p + r->off, k);
        r->off += k;
    } else
        return AL_EPROTO;
    if (len > max || need(r, len) || memchr(r->p + r->off, 0, len))
        return AL_EPROTO;
    if (!(*out = strndup((const char *)r->p + r->off, len)))
        return AL_ENOMEM;
    r->off += len;
    return 0;
}

static const struct {
    int type;
    const char *shape; /* per element after the type: i = int, s = string, n = string or nil */
    size_t max[6];
} k_shapes[] = {
    { WIRE_FINDING, "sinisn",
      { AIRLOCK_MAX_RULE_ID, 0, AIRLOCK_MAX_PATH, 0, AIRLOCK_MAX_MESSAGE, AIRLOCK_MAX_EVIDENCE } },
    { WIRE_LOG, "is", { 0, AIRLOCK_MAX_MESSAGE } },
    { WIRE_DONE, "iii", { 0 } },
    { WIRE_INFO, "ssi", { 32, 64 } },
    { WIRE_ERROR, "s", { 1024 } },
};

static int rd_fields(rd_t *r, const char *shape, const size_t *max, wire_msg_t *m)
{
    char **strs[] = { &m->s1, &m->s2, &m->s3, &m->s4 };
    int64_t *ints[] = { &m->i1, &m->i2, &m->i3 };
    size_t ns = 0, ni = 0;
    for (size_t i = 0; shape[i]; i++) {
        int rc;
        size_t lim = max[i];
        if (shape[i] == 'i')
            rc = ni < 3 ? rd_int(r, ints[ni++]) : AL_EPROTO;
        else
            rc = ns < 4 ? rd_str(r, lim, shape[i] == 'n', strs[ns++]) : AL_EPROTO;
        if (rc != 0)
            return rc;
    }
    return 0;
}

int wire_next(const char *buf, size_t len, size_t *off, wire_msg_t *m)
{
    rd_t r = { (const unsigned char *)buf, len, *off };
    int64_t type = -1;
    int rc = AL_EPROTO;
    memset(m, 0, sizeof *m);
    if (r.off >= r.n)
        return 0;
    unsigned c = r.p[r.off++];
    if (c < 0x90 || c > 0x9f || rd_int(&r, &type) != 0)
        goto done;
    for (size_t i = 0; i < sizeof k_shapes / sizeof k_shapes[0]; i++) {
        if (k_shapes[i].type != type)
            continue;
        if ((c & 0x0f) != strlen(k_shapes[i].shape) + 1)
            goto done;
        m->type = (int)type;
        rc = rd_fields(&r, k_shapes[i].shape, k_shapes[i].max, m);
        break;
    }
done:
    if (rc != 0) {
        wire_msg_clear(m);
        return al_err_set(rc, "plugin stream: malformed message at byte %zu", *off);
    }
    *off = r.off;
    return 1;
}

void wire_msg_clear(wire_msg_t *m)
{
    free(m->s1);
    free(m->s2);
    free(m->s3);
    free(m->s4);
    memset(m, 0, sizeof *m);
}
