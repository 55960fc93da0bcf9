/*
 * proto_decode.c: strict decoding of one wire message into a proto_msg_t.
 *
 * Steps: total size cap; a structural pre-scan of the raw bytes (nesting
 * depth, element counts that cannot fit in the input, object count) so that
 * msgpack-c never allocates for a hostile length header; msgpack_unpack_next
 * into a zone owned by this call; envelope checks; then the body walked
 * against the generated descriptor. Every failure has a class (proto_err_t)
 * and a message naming the field; the partially built message is freed.
 * Owns: the msgpack_unpacked (zone) of each call and the message until it is
 * handed to the caller. Thread-safe (the last error class is per thread).
 */
#include "common/proto/proto.h"
#include "common/proto/proto_internal.h"
#include "common/msgpack_scan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "common/error.h"

#define PROTO_MAX_NESTING 5          /* envelope > body > list<struct> > struct > list/map */
#define PROTO_MAX_OBJECTS (1u << 20) /* msgpack objects per message (bounds the zone) */

static _Thread_local proto_err_t s_last;

proto_err_t proto_last_error(void) { return s_last; }

static int s_fail(proto_err_t cls, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_fail(proto_err_t cls, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    s_last = cls;
    return al_err_set(AL_EPROTO, "%s: %s", proto_err_name(cls), detail);
}

/* ---- pre-scan ------------------------------------------------------------ */

/* Walks one msgpack object from buf without building it (common/msgpack_scan.h). *end gets its size. */
static int s_prescan(const uint8_t *buf, size_t len, size_t *end)
{
    size_t at = 0;
    switch (msgpack_scan(buf, len, PROTO_MAX_NESTING, PROTO_MAX_OBJECTS, end, &at)) {
    case MSGPACK_SCAN_OK:
        return 0;
    case MSGPACK_SCAN_RESERVED:
        return s_fail(PROTO_ERR_MALFORMED, "reserved byte 0xc1 at offset %zu", at);
    case MSGPACK_SCAN_TOO_DEEP:
        return s_fail(PROTO_ERR_MALFORMED, "containers nested deeper than %d at offset %zu", PROTO_MAX_NESTING, at);
    case MSGPACK_SCAN_TOO_MANY:
        return s_fail(PROTO_ERR_OVERSIZE, "more than %u msgpack objects", PROTO_MAX_OBJECTS);
    default:
        if (at >= len)
            return s_fail(PROTO_ERR_TRUNCATED, "input ends at byte %zu inside the envelope", len);
        return s_fail(PROTO_ERR_TRUNCATED, "object at offset %zu needs more bytes than the %zu left", at, len - at);
    }
}

/* ---- body ---------------------------------------------------------------- */

static const char *s_type_word(msgpack_object_type t)
{
    switch (t) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "bool";
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return "uint";
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "negative int";
    case MSGPACK_OBJECT_FLOAT32: case MSGPACK_OBJECT_FLOAT64: return "float";
    case MSGPACK_OBJECT_STR: return "str";
    case MSGPACK_OBJECT_ARRAY: return "array";
    case MSGPACK_OBJECT_MAP: return "map";
    case MSGPACK_OBJECT_BIN: return "bin";
    case MSGPACK_OBJECT_EXT: return "ext";
    }
    return "?";
}

/* Like s_fail for a value at path p: "<CLASS>: <path>[: detail]". */
static int s_fail_at(proto_err_t cls, const proto_path_t *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int s_fail_at(proto_err_t cls, const proto_path_t *p, const char *fmt, ...)
{
    char where[256], detail[384];
    va_list ap;
    proto_path_render(p, where, sizeof where);
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return s_fail(cls, "%s%s%s", where, detail[0] ? ": " : "", detail);
}

static int s_nomem(const proto_path_t *p)
{
    char where[256];
    proto_path_render(p, where, sizeof where);
    return al_err_set(AL_ENOMEM, "proto_decode: %s: out of memory", where);
}

static int s_want(const msgpack_object *o, msgpack_object_type t, const proto_path_t *p, const char *what)
{
    if (o->type == t)
        return 0;
    return s_fail_at(PROTO_ERR_WRONG_TYPE, p, "expected %s, got %s", what, s_type_word(o->type));
}

/* Copies a str object into a new C string after checking size and UTF-8. */
static int s_str_take(const msgpack_object *o, uint64_t max, const proto_path_t *p, char **out)
{
    int rc = s_want(o, MSGPACK_OBJECT_STR, p, "str");
    if (rc != 0)
        return rc;
    if (o->via.str.size > max)
        return s_fail_at(PROTO_ERR_OVERSIZE, p, "%u bytes, max %llu", o->via.str.size, (unsigned long long)max);
    if (!proto_utf8_valid(o->via.str.ptr, o->via.str.size))
        return s_fail_at(PROTO_ERR_BAD_UTF8, p, "not valid UTF-8 (or holds NUL)");
    *out = malloc((size_t)o->via.str.size + 1);
    if (!*out)
        return s_nomem(p);
    memcpy(*out, o->via.str.ptr, o->via.str.size);
    (*out)[o->via.str.size] = '\0';
    return 0;
}

static int s_count_check(const proto_path_t *p, uint32_t n, uint64_t max, const char *what)
{
    if (n > max)
        return s_fail_at(PROTO_ERR_OVERSIZE, p, "%u %s, max %llu", n, what, (unsigned long long)max);
    return 0;
}

/* calloc of n elements; n == 0 gives NULL and success. */
static int s_alloc(void *items_addr, size_t n, size_t size, const proto_path_t *p)
{
    void *mem = n ? calloc(n, size) : NULL;
    memcpy(items_addr, &mem, sizeof mem);
    return (n && !mem) ? s_nomem(p) : 0;
}

/* Fails with cls at p.<name> for an untrusted name (a field name or map key),
 * shown as at most 64 printable ASCII bytes so it is safe in a log line. */
static int s_fail_name(proto_err_t cls, const proto_path_t *p, const char *ptr, size_t len)
{
    char name[72];
    size_t n = 0;
    for (size_t i = 0; i < len && n < 64; i++)
        name[n++] = (ptr[i] >= 0x20 && ptr[i] < 0x7f) ? ptr[i] : '?';
    name[n] = '\0';
    proto_path_t step = {p, name, 0};
    return s_fail_at(cls, &step, "%s", "");
}

static int s_strlist_take(const msgpack_object *o, const proto_field_desc_t *f, proto_strlist_t *l,
                          const proto_path_t *p)
{
    int rc = s_want(o, MSGPACK_OBJECT_ARRAY, p, "array of str");
    if (rc == 0) rc = s_count_check(p, o->via.array.size, f->max, "items");
    if (rc == 0) rc = s_alloc(&l->items, o->via.array.size, sizeof(char *), p);
    if (rc != 0)
        return rc;
    l->count = o->via.array.size;
    for (size_t i = 0; i < l->count && rc == 0; i++) {
        proto_path_t item = {p, NULL, i};
        rc = s_str_take(&o->via.array.ptr[i], f->item_max, &item, &l->items[i]);
    }
    return rc;
}

static int s_strmap_take(const msgpack_object *o, const proto_field_desc_t *f, proto_strmap_t *m,
                         const proto_path_t *p)
{
    int rc = s_want(o, MSGPACK_OBJECT_MAP, p, "map of str to str");
    if (rc == 0) rc = s_count_check(p, o->via.map.size, f->max, "entries");
    if (rc == 0) rc = s_alloc(&m->keys, o->via.map.size, sizeof(char *), p);
    if (rc == 0) rc = s_alloc(&m->values, o->via.map.size, sizeof(char *), p);
    if (rc != 0)
        return rc;
    m->count = o->via.map.size;
    for (size_t i = 0; i < m->count && rc == 0; i++) {
        rc = s_str_take(&o->via.map.ptr[i].key, f->key_max, p, &m->keys[i]);
        if (rc == 0)
            rc = s_str_take(&o->via.map.ptr[i].val, f->item_max, p, &m->values[i]);
        for (size_t j = 0; j < i && rc == 0; j++)
            if (strcmp(m->keys[j], m->keys[i]) == 0)
                rc = s_fail_name(PROTO_ERR_DUPLICATE_FIELD, p, m->keys[i], strlen(m->keys[i]));
    }
    return rc;
}

static int s_body_take(const msgpack_object *o, const proto_struct_desc_t *d, void *body, const proto_path_t *p);

static int s_structlist_take(const msgpack_object *o, const proto_field_desc_t *f, void *body,
                             const proto_path_t *p)
{
    char *items = NULL;
    int rc = s_want(o, MSGPACK_OBJECT_ARRAY, p, "array of map");
    if (rc == 0) rc = s_count_check(p, o->via.array.size, f->max, "items");
    if (rc == 0) rc = s_alloc(&items, o->via.array.size, f->elem->size, p);
    if (rc != 0)
        return rc;
    size_t n = o->via.array.size;
    memcpy((char *)body + f->offset, &items, sizeof items);
    memcpy((char *)body + f->count_offset, &n, sizeof n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        proto_path_t item = {p, NULL, i};
        rc = s_body_take(&o->via.array.ptr[i], f->elem, items + i * f->elem->size, &item);
    }
    return rc;
}

static int s_scalar_take(const msgpack_object *o, const proto_field_desc_t *f, void *body, const proto_path_t *p)
{
    int rc;
    switch (f->kind) {
    case PROTO_F_UINT:
        if ((rc = s_want(o, MSGPACK_OBJECT_POSITIVE_INTEGER, p, "uint")) != 0) return rc;
        *PROTO_AT(body, f->offset, uint64_t) = o->via.u64;
        return 0;
    case PROTO_F_INT:
        if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) { *PROTO_AT(body, f->offset, int64_t) = o->via.i64; return 0; }
        if ((rc = s_want(o, MSGPACK_OBJECT_POSITIVE_INTEGER, p, "int")) != 0) return rc;
        if (o->via.u64 > INT64_MAX)
            return s_fail_at(PROTO_ERR_OVERSIZE, p, "%llu is beyond int64", (unsigned long long)o->via.u64);
        *PROTO_AT(body, f->offset, int64_t) = (int64_t)o->via.u64;
        return 0;
    case PROTO_F_BOOL:
        if ((rc = s_want(o, MSGPACK_OBJECT_BOOLEAN, p, "bool")) != 0) return rc;
        *PROTO_AT(body, f->offset, bool) = o->via.boolean;
        return 0;
    default:
        return s_fail_at(PROTO_ERR_WRONG_TYPE, p, "unknown field kind %d", (int)f->kind);
    }
}

static int s_field_take(const msgpack_object *o, const proto_field_desc_t *f, void *body, const proto_path_t *p)
{
    int rc;
    switch (f->kind) {
    case PROTO_F_STR: return s_str_take(o, f->max, p, PROTO_AT(body, f->offset, char *));
    case PROTO_F_BIN: {
        proto_bin_t *b = PROTO_AT(body, f->offset, proto_bin_t);
        if ((rc = s_want(o, MSGPACK_OBJECT_BIN, p, "bin")) != 0) return rc;
        if ((rc = s_count_check(p, o->via.bin.size, f->max, "bytes")) != 0) return rc;
        if ((rc = s_alloc(&b->data, o->via.bin.size, 1, p)) != 0) return rc;
        if (o->via.bin.size) memcpy(b->data, o->via.bin.ptr, o->via.bin.size);
        b->len = o->via.bin.size;
        return 0;
    }
    case PROTO_F_STRLIST: return s_strlist_take(o, f, PROTO_AT(body, f->offset, proto_strlist_t), p);
    case PROTO_F_STRMAP: return s_strmap_take(o, f, PROTO_AT(body, f->offset, proto_strmap_t), p);
    case PROTO_F_STRUCT: return s_body_take(o, f->elem, PROTO_AT(body, f->offset, char), p);
    case PROTO_F_STRUCTLIST: return s_structlist_take(o, f, body, p);
    default: return s_scalar_take(o, f, body, p);
    }
}

static const proto_field_desc_t *s_field_find(const proto_struct_desc_t *d, const char *name, size_t len,
                                              size_t *index)
{
    for (size_t i = 0; i < d->nfields; i++) {
        if (strlen(d->fields[i].name) == len && memcmp(d->fields[i].name, name, len) == 0) {
            *index = i;
            return &d->fields[i];
        }
    }
    return NULL;
}

static int s_body_take(const msgpack_object *o, const proto_struct_desc_t *d, void *body, const proto_path_t *p)
{
    uint64_t seen = 0;
    int rc = s_want(o, MSGPACK_OBJECT_MAP, p, "map");
    for (uint32_t i = 0; rc == 0 && i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        size_t index = 0;
        if ((rc = s_want(k, MSGPACK_OBJECT_STR, p, "str field name")) != 0)
            break;
        const proto_field_desc_t *f = s_field_find(d, k->via.str.ptr, k->via.str.size, &index);
        if (!f)
            return s_fail_name(PROTO_ERR_EXTRA_FIELD, p, k->via.str.ptr, k->via.str.size);
        if (seen & (UINT64_C(1) << index))
            return s_fail_name(PROTO_ERR_DUPLICATE_FIELD, p, k->via.str.ptr, k->via.str.size);
        seen |= UINT64_C(1) << index;
        if (f->optional)
            *PROTO_AT(body, f->has_offset, bool) = true;
        proto_path_t field = {p, f->name, 0};
        rc = s_field_take(&o->via.map.ptr[i].val, f, body, &field);
    }
    for (size_t i = 0; rc == 0 && i < d->nfields; i++) {
        if (!d->fields[i].optional && !(seen & (UINT64_C(1) << i))) {
            proto_path_t field = {p, d->fields[i].name, 0};
            rc = s_fail_at(PROTO_ERR_MISSING_FIELD, &field, "%s", "");
        }
    }
    return rc;
}

/* ---- envelope ------------------------------------------------------------ */

static int s_envelope_check(proto_channel_t ch, const msgpack_object *o, const proto_msg_desc_t **out)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 3)
        return s_fail(PROTO_ERR_NOT_ENVELOPE, "expected [version, type, body], got %s of %u",
                      s_type_word(o->type), o->type == MSGPACK_OBJECT_ARRAY ? o->via.array.size : 1);
    const msgpack_object *v = &o->via.array.ptr[0], *t = &o->via.array.ptr[1], *b = &o->via.array.ptr[2];
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return s_fail(PROTO_ERR_NOT_ENVELOPE, "version is %s, not uint", s_type_word(v->type));
    if (v->via.u64 != PROTO_VERSION)
        return s_fail(PROTO_ERR_BAD_VERSION, "version %llu, this side speaks %u", (unsigned long long)v->via.u64,
                      (unsigned)PROTO_VERSION);
    if (t->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return s_fail(PROTO_ERR_NOT_ENVELOPE, "type is %s, not uint", s_type_word(t->type));
    const proto_msg_desc_t *d = t->via.u64 <= INT32_MAX ? proto_type_desc((proto_type_t)t->via.u64) : NULL;
    if (!d)
        return s_fail(PROTO_ERR_UNKNOWN_TYPE, "type %llu", (unsigned long long)t->via.u64);
    if (d->channel != ch)
        return s_fail(PROTO_ERR_WRONG_CHANNEL, "%s (%s) is a %s-channel message, this is the %s channel",
                      d->symbol, d->name, proto_channel_name(d->channel), proto_channel_name(ch));
    if (b->type != MSGPACK_OBJECT_MAP)
        return s_fail(PROTO_ERR_NOT_ENVELOPE, "%s: body is %s, not map", d->name, s_type_word(b->type));
    *out = d;
    return 0;
}

int proto_decode(proto_channel_t ch, const void *buf, size_t len, proto_msg_t **out)
{
    msgpack_unpacked up;
    const proto_msg_desc_t *d = NULL;
    proto_msg_t *msg = NULL;
    size_t end = 0, off = 0;
    int rc;
    s_last = PROTO_ERR_NONE;
    if (!out || (!buf && len > 0) || (ch != PROTO_CH_WORKER && ch != PROTO_CH_CLIENT))
        return al_err_set(AL_EINVAL, "proto_decode: bad argument");
    *out = NULL;
    if (len > PROTO_MAX_MSG_BYTES)
        return s_fail(PROTO_ERR_OVERSIZE, "message is %zu bytes, max %u", len, (unsigned)PROTO_MAX_MSG_BYTES);
    if ((rc = s_prescan(buf, len, &end)) != 0)
        return rc;
    if (end != len)
        return s_fail(PROTO_ERR_TRAILING_BYTES, "%zu bytes after the envelope", len - end);
    msgpack_unpacked_init(&up);
    msgpack_unpack_return ur = msgpack_unpack_next(&up, buf, len, &off);
    if (ur == MSGPACK_UNPACK_NOMEM_ERROR)
        rc = al_err_set(AL_ENOMEM, "proto_decode: out of memory");
    else if (ur != MSGPACK_UNPACK_SUCCESS || off != len)
        rc = s_fail(ur == MSGPACK_UNPACK_CONTINUE ? PROTO_ERR_TRUNCATED : PROTO_ERR_MALFORMED,
                    "msgpack-c: result %d at offset %zu of %zu", (int)ur, off, len);
    if (rc == 0)
        rc = s_envelope_check(ch, &up.data, &d);
    if (rc == 0 && !(msg = proto_msg_new(d->type)))
        rc = al_err_code();
    if (rc == 0) {
        proto_path_t root = {NULL, d->name, 0};
        rc = s_body_take(&up.data.via.array.ptr[2], d->body, &msg->body, &root);
    }
    msgpack_unpacked_destroy(&up);
    if (rc != 0) {
        proto_msg_destroy(&msg);
        return rc;
    }
    *out = msg;
    return 0;
}
