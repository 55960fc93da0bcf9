/*
 * proto_testlib.c: generic message filler and the table of hand-built hostile
 * inputs for the protocol codec tests (see proto_testlib.h).
 */
#include "proto_testlib.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/proto/proto_internal.h"

/* ---- generic filler ------------------------------------------------------ */

static int s_fill_body(const proto_struct_desc_t *d, void *body, unsigned v);

/* A UTF-8 string with multibyte characters, cut to max bytes on a char boundary. */
static int s_fill_str(char **dst, const char *name, unsigned v, uint64_t max)
{
    char buf[128];
    int n = snprintf(buf, sizeof buf, "%s-%u-\xc3\xa9\xe2\x9c\x93\xf0\x9f\x94\x92", name, v);
    size_t len = (size_t)n < max ? (size_t)n : (size_t)max;
    while (len > 0 && ((unsigned char)buf[len] & 0xc0) == 0x80)
        len--;
    buf[len] = '\0';
    return proto_str_set(dst, buf);
}

static int s_fill_field(const proto_field_desc_t *f, void *body, unsigned v)
{
    int rc = 0;
    char key[32];
    switch (f->kind) {
    case PROTO_F_STR: return s_fill_str(PROTO_AT(body, f->offset, char *), f->name, v, f->max);
    case PROTO_F_BIN: {
        uint8_t bytes[] = {0x00, 0xff, 0x80, 0xc1, (uint8_t)v};
        return proto_bin_set(PROTO_AT(body, f->offset, proto_bin_t), bytes, sizeof bytes);
    }
    case PROTO_F_UINT: *PROTO_AT(body, f->offset, uint64_t) = UINT64_MAX - v; return 0;
    case PROTO_F_INT: *PROTO_AT(body, f->offset, int64_t) = INT64_MIN + v; return 0;
    case PROTO_F_BOOL: *PROTO_AT(body, f->offset, bool) = true; return 0;
    case PROTO_F_STRLIST:
        for (unsigned i = 0; rc == 0 && i < 3; i++) {
            char *tmp = NULL;
            rc = s_fill_str(&tmp, f->name, v + i, f->item_max);
            if (rc == 0)
                rc = proto_strlist_add(PROTO_AT(body, f->offset, proto_strlist_t), tmp);
            free(tmp);
        }
        return rc;
    case PROTO_F_STRMAP:
        for (unsigned i = 0; rc == 0 && i < 3; i++) {
            snprintf(key, sizeof key, "k%u", i);
            rc = proto_strmap_put(PROTO_AT(body, f->offset, proto_strmap_t), key, i == 1 ? "" : "v\xc3\xa9");
        }
        return rc;
    case PROTO_F_STRUCT: return s_fill_body(f->elem, PROTO_AT(body, f->offset, char), v);
    case PROTO_F_STRUCTLIST:
        for (unsigned i = 0; rc == 0 && i < 2; i++) {
            size_t n;
            proto_structlist_items(f, body, &n);
            void *item = proto_list_grow((char *)body + f->offset, &n, f->elem->size);
            if (!item)
                return AL_ENOMEM;
            memcpy((char *)body + f->count_offset, &n, sizeof n);
            rc = s_fill_body(f->elem, item, v + i);
        }
        return rc;
    }
    return AL_EINVAL;
}

static int s_fill_body(const proto_struct_desc_t *d, void *body, unsigned v)
{
    for (size_t i = 0; i < d->nfields; i++) {
        const proto_field_desc_t *f = &d->fields[i];
        if (f->optional)
            *PROTO_AT(body, f->has_offset, bool) = true;
        int rc = s_fill_field(f, body, v);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int ptest_fill(proto_msg_t *m, unsigned variant)
{
    const proto_msg_desc_t *d = proto_type_desc(m->type);
    return d ? s_fill_body(d->body, &m->body, variant) : AL_EINVAL;
}

/* ---- corpus names -------------------------------------------------------- */

static void s_class_word(char *dst, size_t size, proto_err_t e)
{
    const char *n = proto_err_name(e) + strlen("PROTO_ERR_");
    size_t i = 0;
    for (; n[i] && i + 1 < size; i++)
        dst[i] = (char)tolower((unsigned char)n[i]);
    dst[i] = '\0';
}

void ptest_corpus_name(char *dst, size_t size, proto_channel_t ch, proto_err_t expect, const char *name)
{
    char word[32];
    s_class_word(word, sizeof word, expect);
    snprintf(dst, size, "%c-%s-%s.msgpack", ch == PROTO_CH_WORKER ? 'w' : 'c', word, name);
}

int ptest_corpus_parse(const char *file, proto_channel_t *ch, proto_err_t *expect)
{
    char word[32];
    if ((file[0] != 'w' && file[0] != 'c') || file[1] != '-')
        return -1;
    *ch = file[0] == 'w' ? PROTO_CH_WORKER : PROTO_CH_CLIENT;
    for (int e = PROTO_ERR_NONE; e <= PROTO_ERR_MALFORMED; e++) {
        s_class_word(word, sizeof word, (proto_err_t)e);
        size_t n = strlen(word);
        if (strncmp(file + 2, word, n) == 0 && file[2 + n] == '-') {
            *expect = (proto_err_t)e;
            return 0;
        }
    }
    return -1;
}

int ptest_case_bytes(const ptest_case_t *c, char **buf, size_t *len)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    c->build(&pk);
    *len = sb.size;
    *buf = malloc(sb.size ? sb.size : 1);
    if (*buf && sb.size)
        memcpy(*buf, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return *buf ? 0 : -1;
}

char *ptest_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = calloc(1, (size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}
