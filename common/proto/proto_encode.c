/*
 * proto_encode.c: validates a proto_msg_t against its generated descriptor
 * and packs it with msgpack-c as [PROTO_VERSION, type, {field: value}].
 *
 * Validation mirrors the decoder (required strings present, limits, UTF-8,
 * unique map keys) so that what we send is always what a peer accepts.
 * Owns one msgpack_sbuffer per call, handed to the caller on success.
 */
#include "common/proto/proto.h"
#include "common/proto/proto_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "common/error.h"

typedef struct {
    msgpack_packer pk;
    int pack_rc; /* OR of msgpack_pack_* results: non-zero means out of memory */
} enc_t;

static int s_body_pack(enc_t *e, const proto_struct_desc_t *d, const void *body, const proto_path_t *p);

/* AL_EINVAL "proto_encode: <path><what> <detail>". */
static int s_bad(const proto_path_t *p, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_bad(const proto_path_t *p, const char *what, const char *fmt, ...)
{
    char where[256], detail[256];
    va_list ap;
    proto_path_render(p, where, sizeof where);
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return al_err_set(AL_EINVAL, "proto_encode: %s%s %s", where, what, detail);
}

/* Checks and packs a string value: present, <= max bytes, UTF-8 without NUL. */
static int s_str_put(enc_t *e, const char *s, uint64_t max, const proto_path_t *p, const char *what)
{
    if (!s)
        return s_bad(p, what, "is NULL (required)");
    size_t len = strlen(s);
    if (len > max)
        return s_bad(p, what, "is %zu bytes, max %llu", len, (unsigned long long)max);
    if (!proto_utf8_valid(s, len))
        return s_bad(p, what, "is not valid UTF-8");
    e->pack_rc |= msgpack_pack_str(&e->pk, len);
    e->pack_rc |= msgpack_pack_str_body(&e->pk, s, len);
    return 0;
}

static int s_strlist_pack(enc_t *e, const proto_field_desc_t *f, const proto_strlist_t *l, const proto_path_t *p)
{
    if (l->count > f->max)
        return s_bad(p, "", "has %zu items, max %llu", l->count, (unsigned long long)f->max);
    e->pack_rc |= msgpack_pack_array(&e->pk, l->count);
    for (size_t i = 0; i < l->count; i++) {
        int rc = s_str_put(e, l->items ? l->items[i] : NULL, f->item_max, p, " item");
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int s_strmap_pack(enc_t *e, const proto_field_desc_t *f, const proto_strmap_t *m, const proto_path_t *p)
{
    if (m->count > f->max)
        return s_bad(p, "", "has %zu entries, max %llu", m->count, (unsigned long long)f->max);
    e->pack_rc |= msgpack_pack_map(&e->pk, m->count);
    for (size_t i = 0; i < m->count; i++) {
        int rc = s_str_put(e, m->keys ? m->keys[i] : NULL, f->key_max, p, " key");
        if (rc == 0)
            rc = s_str_put(e, m->values ? m->values[i] : NULL, f->item_max, p, " value");
        if (rc != 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->keys[j], m->keys[i]) == 0)
                return s_bad(p, "", "has a key twice");
    }
    return 0;
}

static int s_structlist_pack(enc_t *e, const proto_field_desc_t *f, const void *body, const proto_path_t *p)
{
    size_t n;
    const char *items = proto_structlist_items(f, body, &n);
    if (n > f->max)
        return s_bad(p, "", "has %zu items, max %llu", n, (unsigned long long)f->max);
    if (n > 0 && !items)
        return s_bad(p, "", "has %zu items and no array", n);
    e->pack_rc |= msgpack_pack_array(&e->pk, n);
    for (size_t i = 0; i < n; i++) {
        proto_path_t item = {p, NULL, i};
        int rc = s_body_pack(e, f->elem, items + i * f->elem->size, &item);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int s_field_pack(enc_t *e, const proto_field_desc_t *f, const void *body, const proto_path_t *p)
{
    switch (f->kind) {
    case PROTO_F_STR: return s_str_put(e, *PROTO_CAT(body, f->offset, char *), f->max, p, "");
    case PROTO_F_BIN: {
        const proto_bin_t *b = PROTO_CAT(body, f->offset, proto_bin_t);
        if (b->len > f->max || (b->len > 0 && !b->data))
            return s_bad(p, "", "is %zu bytes (max %llu) or has no data", b->len, (unsigned long long)f->max);
        e->pack_rc |= msgpack_pack_bin(&e->pk, b->len);
        e->pack_rc |= msgpack_pack_bin_body(&e->pk, b->data, b->len);
        return 0;
    }
    case PROTO_F_UINT: e->pack_rc |= msgpack_pack_uint64(&e->pk, *PROTO_CAT(body, f->offset, uint64_t)); return 0;
    case PROTO_F_INT: e->pack_rc |= msgpack_pack_int64(&e->pk, *PROTO_CAT(body, f->offset, int64_t)); return 0;
    case PROTO_F_BOOL:
        e->pack_rc |= *PROTO_CAT(body, f->offset, bool) ? msgpack_pack_true(&e->pk) : msgpack_pack_false(&e->pk);
        return 0;
    case PROTO_F_STRLIST: return s_strlist_pack(e, f, PROTO_CAT(body, f->offset, proto_strlist_t), p);
    case PROTO_F_STRMAP: return s_strmap_pack(e, f, PROTO_CAT(body, f->offset, proto_strmap_t), p);
    case PROTO_F_STRUCT: return s_body_pack(e, f->elem, PROTO_CAT(body, f->offset, char), p);
    case PROTO_F_STRUCTLIST: return s_structlist_pack(e, f, body, p);
    }
    return s_bad(p, "", "has unknown kind %d", (int)f->kind);
}

static int s_body_pack(enc_t *e, const proto_struct_desc_t *d, const void *body, const proto_path_t *p)
{
    size_t present = 0;
    for (size_t i = 0; i < d->nfields; i++)
        present += !d->fields[i].optional || *PROTO_CAT(body, d->fields[i].has_offset, bool);
    e->pack_rc |= msgpack_pack_map(&e->pk, present);
    for (size_t i = 0; i < d->nfields; i++) {
        const proto_field_desc_t *f = &d->fields[i];
        if (f->optional && !*PROTO_CAT(body, f->has_offset, bool))
            continue;
        proto_path_t field = {p, f->name, 0};
        size_t nlen = strlen(f->name);
        e->pack_rc |= msgpack_pack_str(&e->pk, nlen);
        e->pack_rc |= msgpack_pack_str_body(&e->pk, f->name, nlen);
        int rc = s_field_pack(e, f, body, &field);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int proto_encode(const proto_msg_t *msg, char **buf, size_t *len)
{
    msgpack_sbuffer sb;
    enc_t e;
    int rc;
    if (!msg || !buf || !len)
        return al_err_set(AL_EINVAL, "proto_encode: NULL argument");
    *buf = NULL;
    *len = 0;
    const proto_msg_desc_t *d = proto_type_desc(msg->type);
    if (!d)
        return al_err_set(AL_EINVAL, "proto_encode: unknown message type %d", (int)msg->type);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&e.pk, &sb, msgpack_sbuffer_write);
    e.pack_rc = msgpack_pack_array(&e.pk, 3);
    e.pack_rc |= msgpack_pack_uint64(&e.pk, PROTO_VERSION);
    e.pack_rc |= msgpack_pack_uint64(&e.pk, (uint64_t)d->type);
    proto_path_t root = {NULL, d->name, 0};
    rc = s_body_pack(&e, d->body, &msg->body, &root);
    if (rc == 0 && e.pack_rc != 0)
        rc = al_err_set(AL_ENOMEM, "proto_encode: %s: out of memory", d->name);
    if (rc == 0 && sb.size > PROTO_MAX_MSG_BYTES)
        rc = al_err_set(AL_EINVAL, "proto_encode: %s is %zu bytes, max %u", d->name, sb.size,
                        (unsigned)PROTO_MAX_MSG_BYTES);
    if (rc != 0)
        goto done;
    *len = sb.size;
    *buf = msgpack_sbuffer_release(&sb);
done:
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
