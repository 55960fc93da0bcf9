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

static int s_body_pack(enc_t *e, const proto_struct_desc_t *d, const void *body, const char *path);

static void s_str_pack(enc_t *e, const char *s, size_t len)
{
    e->pack_rc |= msgpack_pack_str(&e->pk, len);
    e->pack_rc |= msgpack_pack_str_body(&e->pk, s, len);
}

/* Checks a string value: present, <= max bytes, UTF-8 without NUL. */
static int s_str_check(const char *s, uint64_t max, const char *path, const char *what)
{
    if (!s)
        return al_err_set(AL_EINVAL, "proto_encode: %s%s is NULL (required)", path, what);
    size_t len = strlen(s);
    if (len > max)
        return al_err_set(AL_EINVAL, "proto_encode: %s%s is %zu bytes, max %llu", path, what, len,
                          (unsigned long long)max);
    if (!proto_utf8_valid(s, len))
        return al_err_set(AL_EINVAL, "proto_encode: %s%s is not valid UTF-8", path, what);
    return 0;
}

static int s_strlist_pack(enc_t *e, const proto_field_desc_t *f, const proto_strlist_t *l, const char *path)
{
    if (l->count > f->max)
        return al_err_set(AL_EINVAL, "proto_encode: %s has %zu items, max %llu", path, l->count,
                          (unsigned long long)f->max);
    e->pack_rc |= msgpack_pack_array(&e->pk, l->count);
    for (size_t i = 0; i < l->count; i++) {
        int rc = s_str_check(l->items ? l->items[i] : NULL, f->item_max, path, " item");
        if (rc != 0)
            return rc;
        s_str_pack(e, l->items[i], strlen(l->items[i]));
    }
    return 0;
}

static int s_strmap_pack(enc_t *e, const proto_field_desc_t *f, const proto_strmap_t *m, const char *path)
{
    if (m->count > f->max)
        return al_err_set(AL_EINVAL, "proto_encode: %s has %zu entries, max %llu", path, m->count,
                          (unsigned long long)f->max);
    e->pack_rc |= msgpack_pack_map(&e->pk, m->count);
    for (size_t i = 0; i < m->count; i++) {
        int rc = s_str_check(m->keys ? m->keys[i] : NULL, f->key_max, path, " key");
        if (rc == 0)
            rc = s_str_check(m->values ? m->values[i] : NULL, f->item_max, path, " value");
        if (rc != 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->keys[j], m->keys[i]) == 0)
                return al_err_set(AL_EINVAL, "proto_encode: %s has key \"%.64s\" twice", path, m->keys[i]);
        s_str_pack(e, m->keys[i], strlen(m->keys[i]));
        s_str_pack(e, m->values[i], strlen(m->values[i]));
    }
    return 0;
}

static int s_structlist_pack(enc_t *e, const proto_field_desc_t *f, const void *body, const char *path)
{
    size_t n;
    const char *items = proto_structlist_items(f, body, &n);
    char sub[256];
    if (n > f->max)
        return al_err_set(AL_EINVAL, "proto_encode: %s has %zu items, max %llu", path, n,
                          (unsigned long long)f->max);
    if (n > 0 && !items)
        return al_err_set(AL_EINVAL, "proto_encode: %s has %zu items and no array", path, n);
    e->pack_rc |= msgpack_pack_array(&e->pk, n);
    for (size_t i = 0; i < n; i++) {
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        int rc = s_body_pack(e, f->elem, items + i * f->elem->size, sub);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int s_field_pack(enc_t *e, const proto_field_desc_t *f, const void *body, const char *path)
{
    switch (f->kind) {
    case PROTO_F_STR: {
        const char *s = *PROTO_CAT(body, f->offset, char *);
        int rc = s_str_check(s, f->max, path, "");
        if (rc == 0)
            s_str_pack(e, s, strlen(s));
        return rc;
    }
    case PROTO_F_BIN: {
        const proto_bin_t *b = PROTO_CAT(body, f->offset, proto_bin_t);
        if (b->len > f->max || (b->len > 0 && !b->data))
            return al_err_set(AL_EINVAL, "proto_encode: %s is %zu bytes (max %llu) or has no data", path, b->len,
                              (unsigned long long)f->max);
        e->pack_rc |= msgpack_pack_bin(&e->pk, b->len);
        e->pack_rc |= msgpack_pack_bin_body(&e->pk, b->data, b->len);
        return 0;
    }
    case PROTO_F_UINT: e->pack_rc |= msgpack_pack_uint64(&e->pk, *PROTO_CAT(body, f->offset, uint64_t)); return 0;
    case PROTO_F_INT: e->pack_rc |= msgpack_pack_int64(&e->pk, *PROTO_CAT(body, f->offset, int64_t)); return 0;
    case PROTO_F_BOOL:
        e->pack_rc |= *PROTO_CAT(body, f->offset, bool) ? msgpack_pack_true(&e->pk) : msgpack_pack_false(&e->pk);
        return 0;
    case PROTO_F_STRLIST: return s_strlist_pack(e, f, PROTO_CAT(body, f->offset, proto_strlist_t), path);
    case PROTO_F_STRMAP: return s_strmap_pack(e, f, PROTO_CAT(body, f->offset, proto_strmap_t), path);
    case PROTO_F_STRUCT: return s_body_pack(e, f->elem, PROTO_CAT(body, f->offset, char), path);
    case PROTO_F_STRUCTLIST: return s_structlist_pack(e, f, body, path);
    }
    return al_err_set(AL_EINVAL, "proto_encode: %s has unknown kind %d", path, (int)f->kind);
}

static int s_body_pack(enc_t *e, const proto_struct_desc_t *d, const void *body, const char *path)
{
    size_t present = 0;
    char sub[256];
    for (size_t i = 0; i < d->nfields; i++)
        present += !d->fields[i].optional || *PROTO_CAT(body, d->fields[i].has_offset, bool);
    e->pack_rc |= msgpack_pack_map(&e->pk, present);
    for (size_t i = 0; i < d->nfields; i++) {
        const proto_field_desc_t *f = &d->fields[i];
        if (f->optional && !*PROTO_CAT(body, f->has_offset, bool))
            continue;
        snprintf(sub, sizeof sub, "%s.%s", path, f->name);
        s_str_pack(e, f->name, strlen(f->name));
        int rc = s_field_pack(e, f, body, sub);
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
    rc = s_body_pack(&e, d->body, &msg->body, d->name);
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
