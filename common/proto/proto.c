/*
 * proto.c: message life cycle (new, destroy, equality), value setters,
 * the type table lookups and UTF-8 validation of the protocol codec.
 *
 * Generic over the generated descriptor tables (proto_gen.c): nothing in
 * here knows a message by name. Owns nothing global; every message owns its
 * values (see proto.h).
 */
#include "common/proto/proto.h"
#include "common/proto/proto_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

const proto_msg_desc_t *proto_type_desc(proto_type_t type)
{
    for (size_t i = 0; i < PROTO_TYPE_COUNT; i++)
        if (proto_msg_table[i].type == type)
            return &proto_msg_table[i];
    return NULL;
}

const char *proto_type_name(proto_type_t type)
{
    const proto_msg_desc_t *d = proto_type_desc(type);
    return d ? d->name : "?";
}

proto_channel_t proto_type_channel(proto_type_t type)
{
    const proto_msg_desc_t *d = proto_type_desc(type);
    return d ? d->channel : (proto_channel_t)0;
}

proto_dir_t proto_type_dir(proto_type_t type)
{
    const proto_msg_desc_t *d = proto_type_desc(type);
    return d ? d->dir : (proto_dir_t)0;
}

const char *proto_channel_name(proto_channel_t ch)
{
    return ch == PROTO_CH_WORKER ? "worker" : ch == PROTO_CH_CLIENT ? "client" : "?";
}

const char *proto_err_name(proto_err_t err)
{
    static const char *const names[] = {
        "PROTO_ERR_NONE", "PROTO_ERR_NOT_ENVELOPE", "PROTO_ERR_BAD_VERSION", "PROTO_ERR_UNKNOWN_TYPE",
        "PROTO_ERR_WRONG_CHANNEL", "PROTO_ERR_MISSING_FIELD", "PROTO_ERR_EXTRA_FIELD",
        "PROTO_ERR_DUPLICATE_FIELD", "PROTO_ERR_WRONG_TYPE", "PROTO_ERR_OVERSIZE",
        "PROTO_ERR_TRAILING_BYTES", "PROTO_ERR_TRUNCATED", "PROTO_ERR_BAD_UTF8", "PROTO_ERR_MALFORMED",
    };
    if ((unsigned)err >= sizeof names / sizeof names[0])
        return "PROTO_ERR_?";
    return names[err];
}

static size_t s_append(char *dst, size_t size, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t s_append(char *dst, size_t size, size_t used, const char *fmt, ...)
{
    va_list ap;
    if (used + 1 >= size)
        return used;
    va_start(ap, fmt);
    int n = vsnprintf(dst + used, size - used, fmt, ap);
    va_end(ap);
    return (n < 0 || (size_t)n >= size - used) ? size - 1 : used + (size_t)n;
}

void proto_path_render(const proto_path_t *p, char *dst, size_t size)
{
    const proto_path_t *chain[16];
    size_t n = 0, used = 0;
    if (size == 0)
        return;
    dst[0] = '\0';
    for (; p && n < sizeof chain / sizeof chain[0]; p = p->up)
        chain[n++] = p;
    while (n-- > 0) {
        if (chain[n]->name)
            used = s_append(dst, size, used, "%s%s", used ? "." : "", chain[n]->name);
        else
            used = s_append(dst, size, used, "[%zu]", chain[n]->index);
    }
}

void *proto_list_grow(void *items_addr, size_t *count, size_t elem_size)
{
    void *items;
    if (!items_addr || !count || elem_size == 0) {
        al_err_set(AL_EINVAL, "proto_list_grow: NULL list");
        return NULL;
    }
    if (*count >= SIZE_MAX / elem_size - 1) {
        al_err_set(AL_ENOMEM, "proto list too long");
        return NULL;
    }
    memcpy(&items, items_addr, sizeof items);
    char *grown = realloc(items, (*count + 1) * elem_size);
    if (!grown) {
        al_err_set(AL_ENOMEM, "proto list: out of memory");
        return NULL;
    }
    memcpy(items_addr, &grown, sizeof grown);
    memset(grown + *count * elem_size, 0, elem_size);
    return grown + (*count)++ * elem_size;
}

bool proto_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        uint64_t w;
        /* fast path: 8 ASCII bytes without NUL at a time */
        while (len - i >= 8 && (memcpy(&w, s + i, 8), (w & UINT64_C(0x8080808080808080)) == 0)) {
            if ((w - UINT64_C(0x0101010101010101)) & ~w & UINT64_C(0x8080808080808080))
                return false;
            i += 8;
        }
        if (i >= len)
            break;
        unsigned c = s[i];
        size_t n;
        uint32_t cp;
        if (c == 0)
            return false;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
        else return false;
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

void *proto_structlist_items(const proto_field_desc_t *f, const void *body, size_t *count)
{
    void *items;
    memcpy(&items, (const char *)body + f->offset, sizeof items);
    memcpy(count, (const char *)body + f->count_offset, sizeof *count);
    return items;
}

static void s_strlist_clear(proto_strlist_t *l)
{
    for (size_t i = 0; l->items && i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static void s_strmap_clear(proto_strmap_t *m)
{
    for (size_t i = 0; i < m->count; i++) {
        if (m->keys) free(m->keys[i]);
        if (m->values) free(m->values[i]);
    }
    free(m->keys);
    free(m->values);
    m->keys = m->values = NULL;
    m->count = 0;
}

static void s_field_clear(const proto_field_desc_t *f, void *body)
{
    switch (f->kind) {
    case PROTO_F_STR: {
        char **s = PROTO_AT(body, f->offset, char *);
        free(*s);
        *s = NULL;
        break;
    }
    case PROTO_F_BIN: {
        proto_bin_t *b = PROTO_AT(body, f->offset, proto_bin_t);
        free(b->data);
        b->data = NULL;
        b->len = 0;
        break;
    }
    case PROTO_F_STRLIST: s_strlist_clear(PROTO_AT(body, f->offset, proto_strlist_t)); break;
    case PROTO_F_STRMAP: s_strmap_clear(PROTO_AT(body, f->offset, proto_strmap_t)); break;
    case PROTO_F_STRUCT: proto_body_clear(f->elem, PROTO_AT(body, f->offset, char)); break;
    case PROTO_F_STRUCTLIST: {
        size_t n;
        char *items = proto_structlist_items(f, body, &n);
        for (size_t i = 0; items && i < n; i++)
            proto_body_clear(f->elem, items + i * f->elem->size);
        free(items);
        break;
    }
    default: break;
    }
}

void proto_body_clear(const proto_struct_desc_t *d, void *body)
{
    for (size_t i = 0; i < d->nfields; i++)
        s_field_clear(&d->fields[i], body);
    memset(body, 0, d->size);
}

proto_msg_t *proto_msg_new(proto_type_t type)
{
    if (!proto_type_desc(type)) {
        al_err_set(AL_EINVAL, "proto_msg_new: unknown message type %d", (int)type);
        return NULL;
    }
    proto_msg_t *msg = calloc(1, sizeof *msg);
    if (!msg) {
        al_err_set(AL_ENOMEM, "proto_msg_new: out of memory");
        return NULL;
    }
    msg->type = type;
    return msg;
}

void proto_msg_destroy(proto_msg_t **msg)
{
    if (!msg || !*msg)
        return;
    const proto_msg_desc_t *d = proto_type_desc((*msg)->type);
    if (d)
        proto_body_clear(d->body, &(*msg)->body);
    free(*msg);
    *msg = NULL;
}

/* ---- equality ------------------------------------------------------------ */

static bool s_str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool s_body_equal(const proto_struct_desc_t *d, const void *a, const void *b);

static bool s_field_equal(const proto_field_desc_t *f, const void *a, const void *b)
{
    switch (f->kind) {
    case PROTO_F_STR: return s_str_eq(*PROTO_CAT(a, f->offset, char *), *PROTO_CAT(b, f->offset, char *));
    case PROTO_F_BIN: {
        const proto_bin_t *x = PROTO_CAT(a, f->offset, proto_bin_t), *y = PROTO_CAT(b, f->offset, proto_bin_t);
        return x->len == y->len && (x->len == 0 || memcmp(x->data, y->data, x->len) == 0);
    }
    case PROTO_F_UINT: return *PROTO_CAT(a, f->offset, uint64_t) == *PROTO_CAT(b, f->offset, uint64_t);
    case PROTO_F_INT: return *PROTO_CAT(a, f->offset, int64_t) == *PROTO_CAT(b, f->offset, int64_t);
    case PROTO_F_BOOL: return *PROTO_CAT(a, f->offset, bool) == *PROTO_CAT(b, f->offset, bool);
    case PROTO_F_STRLIST: {
        const proto_strlist_t *x = PROTO_CAT(a, f->offset, proto_strlist_t), *y = PROTO_CAT(b, f->offset, proto_strlist_t);
        if (x->count != y->count)
            return false;
        for (size_t i = 0; i < x->count; i++)
            if (!s_str_eq(x->items[i], y->items[i]))
                return false;
        return true;
    }
    case PROTO_F_STRMAP: {
        const proto_strmap_t *x = PROTO_CAT(a, f->offset, proto_strmap_t), *y = PROTO_CAT(b, f->offset, proto_strmap_t);
        if (x->count != y->count)
            return false;
        for (size_t i = 0; i < x->count; i++)
            if (!s_str_eq(x->values[i], proto_strmap_get(y, x->keys[i] ? x->keys[i] : "")))
                return false;
        return true;
    }
    case PROTO_F_STRUCT: return s_body_equal(f->elem, PROTO_CAT(a, f->offset, char), PROTO_CAT(b, f->offset, char));
    case PROTO_F_STRUCTLIST: {
        size_t na, nb;
        const char *x = proto_structlist_items(f, a, &na), *y = proto_structlist_items(f, b, &nb);
        if (na != nb)
            return false;
        for (size_t i = 0; i < na; i++)
            if (!s_body_equal(f->elem, x + i * f->elem->size, y + i * f->elem->size))
                return false;
        return true;
    }
    }
    return false;
}

static bool s_body_equal(const proto_struct_desc_t *d, const void *a, const void *b)
{
    for (size_t i = 0; i < d->nfields; i++) {
        const proto_field_desc_t *f = &d->fields[i];
        if (f->optional) {
            bool ha = *PROTO_CAT(a, f->has_offset, bool), hb = *PROTO_CAT(b, f->has_offset, bool);
            if (ha != hb)
                return false;
            if (!ha)
                continue;
        }
        if (!s_field_equal(f, a, b))
            return false;
    }
    return true;
}

bool proto_msg_equal(const proto_msg_t *a, const proto_msg_t *b)
{
    if (!a || !b)
        return a == b;
    const proto_msg_desc_t *d = proto_type_desc(a->type);
    return a->type == b->type && d && s_body_equal(d->body, &a->body, &b->body);
}

/* ---- setters ------------------------------------------------------------- */

int proto_str_set(char **dst, const char *s)
{
    if (!dst || !s)
        return al_err_set(AL_EINVAL, "proto_str_set: NULL argument");
    char *copy = strdup(s);
    if (!copy)
        return al_err_set(AL_ENOMEM, "proto_str_set: out of memory");
    free(*dst);
    *dst = copy;
    return 0;
}

int proto_bin_set(proto_bin_t *dst, const void *data, size_t len)
{
    if (!dst || (!data && len > 0))
        return al_err_set(AL_EINVAL, "proto_bin_set: NULL argument");
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return al_err_set(AL_ENOMEM, "proto_bin_set: out of memory");
    if (len)
        memcpy(copy, data, len);
    free(dst->data);
    dst->data = copy;
    dst->len = len;
    return 0;
}

int proto_strlist_add(proto_strlist_t *list, const char *s)
{
    if (!list || !s)
        return al_err_set(AL_EINVAL, "proto_strlist_add: NULL argument");
    char *copy = strdup(s);
    if (!copy)
        return al_err_set(AL_ENOMEM, "proto_strlist_add: out of memory");
    size_t count = list->count;
    char **slot = proto_list_grow(&list->items, &count, sizeof(char *));
    if (!slot) {
        free(copy);
        return al_err_code();
    }
    *slot = copy;
    list->count = count;
    return 0;
}

const char *proto_strmap_get(const proto_strmap_t *map, const char *key)
{
    for (size_t i = 0; map && key && i < map->count; i++)
        if (map->keys[i] && strcmp(map->keys[i], key) == 0)
            return map->values[i];
    return NULL;
}

int proto_strmap_put(proto_strmap_t *map, const char *key, const char *value)
{
    if (!map || !key || !value)
        return al_err_set(AL_EINVAL, "proto_strmap_put: NULL argument");
    for (size_t i = 0; i < map->count; i++)
        if (strcmp(map->keys[i], key) == 0)
            return proto_str_set(&map->values[i], value);
    char *k = strdup(key), *v = strdup(value);
    size_t nk = map->count, nv = map->count;
    char **ks = (k && v) ? proto_list_grow(&map->keys, &nk, sizeof(char *)) : NULL;
    char **vs = ks ? proto_list_grow(&map->values, &nv, sizeof(char *)) : NULL;
    if (!vs) {
        /* keys may have grown by one zeroed slot: harmless, count is unchanged */
        free(k);
        free(v);
        return al_err_set(AL_ENOMEM, "proto_strmap_put: out of memory");
    }
    *ks = k;
    *vs = v;
    map->count++;
    return 0;
}
