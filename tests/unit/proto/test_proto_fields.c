/*
 * test_proto_fields.c: per-field rejection, generated for every field of every
 * message from the table: each required field left out is MISSING_FIELD
 * naming it (an optional one is simply absent), each value replaced by nil or
 * by a value of another type is WRONG_TYPE, each field given twice is
 * DUPLICATE_FIELD, an unknown field is EXTRA_FIELD, and every limited field
 * (str, bin, list, map) is accepted at exactly its limit and refused as
 * OVERSIZE one byte / item / entry above it. The inputs are built
 * by re-packing a valid encoding with msgpack_pack_object, not by proto_encode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "common/error.h"
#include "common/proto/proto.h"
#include "proto_testlib.h"

typedef enum { MUT_OMIT, MUT_NIL, MUT_OTHER_TYPE, MUT_TWICE, MUT_EXTRA, MUT_AT_MAX, MUT_OVER_MAX } mutation_t;

static bool has_limit(const proto_field_desc_t *f)
{
    return f->kind == PROTO_F_STR || f->kind == PROTO_F_BIN || f->kind == PROTO_F_STRLIST ||
           f->kind == PROTO_F_STRMAP || f->kind == PROTO_F_STRUCTLIST;
}

/* A value of field f with n bytes / items / entries; proto is a valid value
 * of the field (its first item is repeated for lists of structs). */
static void pack_sized(msgpack_packer *pk, const proto_field_desc_t *f, const msgpack_object *proto, size_t n)
{
    char key[32];
    switch (f->kind) {
    case PROTO_F_STR:
    case PROTO_F_BIN: {
        char *bytes = malloc(n ? n : 1);
        memset(bytes, 'a', n);
        if (f->kind == PROTO_F_STR)
            msgpack_pack_str_with_body(pk, bytes, n);
        else
            msgpack_pack_bin_with_body(pk, bytes, n);
        free(bytes);
        break;
    }
    case PROTO_F_STRLIST:
        msgpack_pack_array(pk, n);
        for (size_t i = 0; i < n; i++)
            msgpack_pack_str_with_body(pk, "x", 1);
        break;
    case PROTO_F_STRMAP:
        msgpack_pack_map(pk, n);
        for (size_t i = 0; i < n; i++) {
            int len = snprintf(key, sizeof key, "k%zu", i);
            msgpack_pack_str_with_body(pk, key, (size_t)len);
            msgpack_pack_str_with_body(pk, "v", 1);
        }
        break;
    default: /* STRUCTLIST */
        msgpack_pack_array(pk, n);
        for (size_t i = 0; i < n; i++)
            msgpack_pack_object(pk, proto->via.array.ptr[0]);
        break;
    }
}

/* A value whose msgpack type no field of this kind accepts. */
static void pack_other_type(msgpack_packer *pk, proto_field_kind_t kind)
{
    if (kind == PROTO_F_STR)
        msgpack_pack_uint64(pk, 7);
    else
        msgpack_pack_str_with_body(pk, "seven", 5);
}

/* Re-packs envelope env applying mutation m to body field k. */
static void repack(const msgpack_object *env, const proto_struct_desc_t *d, size_t k, mutation_t m,
                   msgpack_sbuffer *sb)
{
    const msgpack_object_map *body = &env->via.array.ptr[2].via.map;
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_object(&pk, env->via.array.ptr[0]);
    msgpack_pack_object(&pk, env->via.array.ptr[1]);
    msgpack_pack_map(&pk, body->size + (m == MUT_OMIT ? -1 : m == MUT_TWICE || m == MUT_EXTRA ? 1 : 0));
    for (uint32_t i = 0; i < body->size; i++) {
        const msgpack_object_kv *kv = &body->ptr[i];
        bool is_k = kv->key.via.str.size == strlen(d->fields[k].name) &&
                    memcmp(kv->key.via.str.ptr, d->fields[k].name, kv->key.via.str.size) == 0;
        if (is_k && m == MUT_OMIT)
            continue;
        msgpack_pack_object(&pk, kv->key);
        if (is_k && m == MUT_NIL)
            msgpack_pack_nil(&pk);
        else if (is_k && m == MUT_OTHER_TYPE)
            pack_other_type(&pk, d->fields[k].kind);
        else if (is_k && (m == MUT_AT_MAX || m == MUT_OVER_MAX))
            pack_sized(&pk, &d->fields[k], &kv->val, d->fields[k].max + (m == MUT_OVER_MAX));
        else
            msgpack_pack_object(&pk, kv->val);
        if (is_k && m == MUT_TWICE) {
            msgpack_pack_object(&pk, kv->key);
            msgpack_pack_object(&pk, kv->val);
        }
    }
    if (m == MUT_EXTRA) {
        msgpack_pack_str_with_body(&pk, "zz_not_a_field", 14);
        msgpack_pack_true(&pk);
    }
}

/* Expected outcome: class and the start of the message. */
static void expect(proto_channel_t ch, const msgpack_sbuffer *sb, proto_err_t cls, const char *prefix)
{
    proto_msg_t *out = NULL;
    int rc = proto_decode(ch, sb->data, sb->size, &out);
    if (cls == PROTO_ERR_NONE) {
        if (rc != 0)
            fail_msg("%s: expected success, got %s", prefix, al_err_msg());
        proto_msg_destroy(&out);
        return;
    }
    if (rc != AL_EPROTO || proto_last_error() != cls || strncmp(al_err_msg(), prefix, strlen(prefix)) != 0)
        fail_msg("expected \"%s...\" (%s), got rc=%d \"%s\"", prefix, proto_err_name(cls), rc, al_err_msg());
    assert_null(out);
}

static void run_mutation(mutation_t m)
{
    size_t checked = 0;
    for (size_t t = 0; t < PROTO_TYPE_COUNT; t++) {
        const proto_msg_desc_t *md = &proto_msg_table[t];
        proto_msg_t *msg = proto_msg_new(md->type);
        char *bytes = NULL, want[256];
        size_t len = 0;
        msgpack_unpacked up;
        assert_int_equal(ptest_fill(msg, 5), 0);
        assert_int_equal(proto_encode(msg, &bytes, &len), 0);
        msgpack_unpacked_init(&up);
        assert_int_equal(msgpack_unpack_next(&up, bytes, len, NULL), MSGPACK_UNPACK_SUCCESS);
        for (size_t k = 0; k < md->body->nfields; k++) {
            const proto_field_desc_t *f = &md->body->fields[k];
            msgpack_sbuffer sb;
            if ((m == MUT_AT_MAX || m == MUT_OVER_MAX) && !has_limit(f))
                continue;
            msgpack_sbuffer_init(&sb);
            repack(&up.data, md->body, k, m, &sb);
            proto_err_t cls = m == MUT_OMIT ? (f->optional ? PROTO_ERR_NONE : PROTO_ERR_MISSING_FIELD)
                            : m == MUT_TWICE ? PROTO_ERR_DUPLICATE_FIELD
                            : m == MUT_EXTRA ? PROTO_ERR_EXTRA_FIELD
                            : m == MUT_AT_MAX ? PROTO_ERR_NONE
                            : m == MUT_OVER_MAX ? PROTO_ERR_OVERSIZE : PROTO_ERR_WRONG_TYPE;
            snprintf(want, sizeof want, "%s: %s.%s", proto_err_name(cls), md->name,
                     m == MUT_EXTRA ? "zz_not_a_field" : f->name);
            expect(md->channel, &sb, cls, want);
            msgpack_sbuffer_destroy(&sb);
            checked++;
        }
        msgpack_unpacked_destroy(&up);
        free(bytes);
        proto_msg_destroy(&msg);
    }
    assert_true(checked >= (m == MUT_AT_MAX || m == MUT_OVER_MAX ? 40 : 76)); /* fields when this was written */
}

static void test_each_field_omitted(void **state) { (void)state; run_mutation(MUT_OMIT); }
static void test_each_field_nil(void **state) { (void)state; run_mutation(MUT_NIL); }
static void test_each_field_other_type(void **state) { (void)state; run_mutation(MUT_OTHER_TYPE); }
static void test_each_field_twice(void **state) { (void)state; run_mutation(MUT_TWICE); }
static void test_extra_field_every_type(void **state) { (void)state; run_mutation(MUT_EXTRA); }
static void test_each_limit_exact(void **state) { (void)state; run_mutation(MUT_AT_MAX); }
static void test_each_limit_plus_one(void **state) { (void)state; run_mutation(MUT_OVER_MAX); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_field_omitted),
        cmocka_unit_test(test_each_field_nil),
        cmocka_unit_test(test_each_field_other_type),
        cmocka_unit_test(test_each_field_twice),
        cmocka_unit_test(test_extra_field_every_type),
        cmocka_unit_test(test_each_limit_exact),
        cmocka_unit_test(test_each_limit_plus_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
