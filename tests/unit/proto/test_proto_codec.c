/*
 * test_proto_codec.c: round trip of every message type (looping over the
 * generated table, so a new message is covered automatically), encoder
 * validation, and decoder properties that hold for every type: every proper
 * prefix is TRUNCATED, any appended byte is TRAILING_BYTES, the other channel
 * says WRONG_CHANNEL, every string field at max+1 bytes is refused by both sides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "common/proto/proto.h"
#include "common/proto/proto_internal.h"
#include "proto_testlib.h"

static proto_channel_t other(proto_channel_t ch)
{
    return ch == PROTO_CH_WORKER ? PROTO_CH_CLIENT : PROTO_CH_WORKER;
}

/* Encodes m, decodes it on its channel, checks equality; returns the bytes. */
static void roundtrip(const proto_msg_t *m, char **bytes, size_t *len)
{
    proto_msg_t *back = NULL;
    int rc = proto_encode(m, bytes, len);
    if (rc != 0)
        fail_msg("encode %s: %s", proto_type_name(m->type), al_err_msg());
    rc = proto_decode(proto_type_channel(m->type), *bytes, *len, &back);
    if (rc != 0)
        fail_msg("decode %s: %s", proto_type_name(m->type), al_err_msg());
    assert_int_equal(proto_last_error(), PROTO_ERR_NONE);
    assert_true(proto_msg_equal(m, back));
    assert_true(proto_msg_equal(back, m));
    proto_msg_destroy(&back);
    assert_null(back);
}

static void test_roundtrip_every_type_full(void **state)
{
    (void)state;
    for (size_t i = 0; i < PROTO_TYPE_COUNT; i++) {
        proto_msg_t *m = proto_msg_new(proto_msg_table[i].type);
        char *bytes = NULL;
        size_t len = 0;
        assert_non_null(m);
        assert_int_equal(ptest_fill(m, (unsigned)i), 0);
        roundtrip(m, &bytes, &len);
        /* a re-encode of the decoded message gives the same bytes (canonical) */
        proto_msg_t *back = NULL;
        char *again = NULL;
        size_t again_len = 0;
        assert_int_equal(proto_decode(proto_msg_table[i].channel, bytes, len, &back), 0);
        assert_int_equal(proto_encode(back, &again, &again_len), 0);
        assert_int_equal(again_len, len);
        assert_memory_equal(again, bytes, len);
        free(again);
        free(bytes);
        proto_msg_destroy(&back);
        proto_msg_destroy(&m);
    }
}

/* Zeroed lists/maps/numbers plus empty strings, optional fields absent. */
static void test_roundtrip_every_type_minimal(void **state)
{
    (void)state;
    for (size_t i = 0; i < PROTO_TYPE_COUNT; i++) {
        proto_msg_t *m = proto_msg_new(proto_msg_table[i].type);
        const proto_struct_desc_t *d = proto_msg_table[i].body;
        assert_non_null(m);
        for (size_t f = 0; f < d->nfields; f++) {
            const proto_field_desc_t *fd = &d->fields[f];
            if (fd->kind == PROTO_F_STRUCT) /* a required struct: fill it whole */
                assert_int_equal(ptest_fill(m, 1), 0);
            else if (fd->kind == PROTO_F_STR && !fd->optional)
                assert_int_equal(proto_str_set(PROTO_AT(&m->body, fd->offset, char *), ""), 0);
        }
        char *bytes = NULL;
        size_t len = 0;
        roundtrip(m, &bytes, &len);
        free(bytes);
        proto_msg_destroy(&m);
    }
}

static void test_every_prefix_truncated_and_suffix_trailing(void **state)
{
    (void)state;
    for (size_t i = 0; i < PROTO_TYPE_COUNT; i++) {
        proto_msg_t *m = proto_msg_new(proto_msg_table[i].type), *out = NULL;
        char *bytes = NULL;
        size_t len = 0;
        assert_int_equal(ptest_fill(m, 3), 0);
        assert_int_equal(proto_encode(m, &bytes, &len), 0);
        for (size_t cut = 0; cut < len; cut++) {
            char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any over-read */
            memcpy(copy, bytes, cut);
            assert_int_equal(proto_decode(proto_msg_table[i].channel, copy, cut, &out), AL_EPROTO);
            if (proto_last_error() != PROTO_ERR_TRUNCATED)
                fail_msg("%s cut at %zu: %s", proto_msg_table[i].name, cut, al_err_msg());
            assert_null(out);
            free(copy);
        }
        char *longer = malloc(len + 1);
        memcpy(longer, bytes, len);
        longer[len] = (char)0xc0;
        assert_int_equal(proto_decode(proto_msg_table[i].channel, longer, len + 1, &out), AL_EPROTO);
        assert_int_equal(proto_last_error(), PROTO_ERR_TRAILING_BYTES);
        assert_int_equal(proto_decode(other(proto_msg_table[i].channel), bytes, len, &out), AL_EPROTO);
        assert_int_equal(proto_last_error(), PROTO_ERR_WRONG_CHANNEL);
        assert_null(out);
        free(longer);
        free(bytes);
        proto_msg_destroy(&m);
    }
}

/* For every str field of every message: max bytes pass, max+1 is refused by
 * the encoder (AL_EINVAL) and, when packed by hand, by the decoder (OVERSIZE). */
static void test_every_string_limit(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < PROTO_TYPE_COUNT; i++) {
        const proto_struct_desc_t *d = proto_msg_table[i].body;
        for (size_t f = 0; f < d->nfields; f++) {
            const proto_field_desc_t *fd = &d->fields[f];
            if (fd->kind != PROTO_F_STR)
                continue;
            proto_msg_t *m = proto_msg_new(proto_msg_table[i].type), *out = NULL;
            char **slot = PROTO_AT(&m->body, fd->offset, char *);
            char *bytes = NULL, *big = malloc(fd->max + 2);
            size_t len = 0;
            assert_int_equal(ptest_fill(m, 0), 0);
            memset(big, 'a', fd->max + 1);
            big[fd->max + 1] = '\0';
            assert_int_equal(proto_str_set(slot, big), 0);
            assert_int_equal(proto_encode(m, &bytes, &len), AL_EINVAL);
            assert_non_null(strstr(al_err_msg(), fd->name));
            big[fd->max] = '\0';
            assert_int_equal(proto_str_set(slot, big), 0);
            assert_int_equal(proto_encode(m, &bytes, &len), 0);
            /* grow the max-size string by one byte inside the encoding: find it and
             * rebuild the message with a str32 header of max+1 */
            char *at = memmem(bytes, len, big, fd->max);
            assert_non_null(at);
            size_t hdr = fd->max < 32 ? 1 : fd->max < 256 ? 2 : fd->max < 65536 ? 3 : 5;
            size_t pre = (size_t)(at - bytes) - hdr, post = len - pre - hdr - fd->max;
            char *hand = malloc(len + 8);
            memcpy(hand, bytes, pre);
            uint32_t n = (uint32_t)fd->max + 1;
            unsigned char h32[5] = {0xdb, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                    (unsigned char)(n >> 8), (unsigned char)n};
            memcpy(hand + pre, h32, 5);
            memcpy(hand + pre + 5, big, fd->max);
            hand[pre + 5 + fd->max] = 'a';
            memcpy(hand + pre + 6 + fd->max, at + fd->max, post);
            assert_int_equal(proto_decode(proto_msg_table[i].channel, hand, pre + 6 + fd->max + post, &out),
                             AL_EPROTO);
            if (proto_last_error() != PROTO_ERR_OVERSIZE)
                fail_msg("%s.%s: %s", proto_msg_table[i].name, fd->name, al_err_msg());
            checked++;
            free(hand);
            free(bytes);
            free(big);
            proto_msg_destroy(&m);
        }
    }
    assert_true(checked >= 20);
}

static void test_encode_refuses_invalid(void **state)
{
    (void)state;
    char *bytes = (char *)1;
    size_t len = 99;
    proto_msg_t *m = proto_msg_new(PROTO_W_HELLO);
    assert_int_equal(ptest_fill(m, 0), 0);
    free(m->body.w_hello.version);
    m->body.w_hello.version = NULL; /* required string missing */
    assert_int_equal(proto_encode(m, &bytes, &len), AL_EINVAL);
    assert_null(bytes);
    assert_int_equal(len, 0);
    assert_non_null(strstr(al_err_msg(), "HELLO.version"));
    assert_int_equal(proto_str_set(&m->body.w_hello.version, "bad \xff utf8"), 0);
    assert_int_equal(proto_encode(m, &bytes, &len), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "UTF-8"));
    assert_int_equal(proto_str_set(&m->body.w_hello.version, "1.0"), 0);
    for (int i = 0; i < 17; i++)
        assert_int_equal(proto_strlist_add(&m->body.w_hello.drivers, "ns"), 0);
    assert_int_equal(proto_encode(m, &bytes, &len), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "HELLO.drivers"));
    proto_msg_destroy(&m);

    /* a key made twice by hand (proto_strmap_put would replace) */
    m = proto_msg_new(PROTO_W_EVENT);
    assert_int_equal(ptest_fill(m, 0), 0);
    proto_strmap_t *data = &m->body.w_event.data;
    assert_int_equal(proto_str_set(&data->keys[1], data->keys[0]), 0);
    assert_int_equal(proto_encode(m, &bytes, &len), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "twice"));
    proto_msg_destroy(&m);

    m = proto_msg_new(PROTO_W_ASSIGN); /* unknown type and NULL message */
    assert_int_equal(ptest_fill(m, 0), 0);
    m->type = (proto_type_t)12345;
    assert_int_equal(proto_encode(m, &bytes, &len), AL_EINVAL);
    m->type = PROTO_W_ASSIGN;
    assert_int_equal(proto_encode(NULL, &bytes, &len), AL_EINVAL);
    proto_msg_destroy(&m);
}

static void test_total_size_cap(void **state)
{
    (void)state;
    proto_msg_t *out = NULL;
    size_t len = PROTO_MAX_MSG_BYTES + 1;
    char *big = calloc(1, len);
    assert_int_equal(proto_decode(PROTO_CH_WORKER, big, len, &out), AL_EPROTO);
    assert_int_equal(proto_last_error(), PROTO_ERR_OVERSIZE);
    free(big);

    /* an EVENT whose fields are each within limits but whose total is not */
    proto_msg_t *m = proto_msg_new(PROTO_W_EVENT);
    char *value = malloc(65537), key[16], *bytes = NULL;
    memset(value, 'x', 65536);
    value[65536] = '\0';
    assert_int_equal(ptest_fill(m, 0), 0);
    for (int i = 0; i < 70; i++) {
        snprintf(key, sizeof key, "big%d", i);
        assert_int_equal(proto_strmap_put(&m->body.w_event.data, key, value), 0);
    }
    assert_int_equal(proto_encode(m, &bytes, &len), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "bytes, max 4194304"));
    free(value);
    proto_msg_destroy(&m);
}

static void test_setters_and_lifecycle(void **state)
{
    (void)state;
    proto_msg_t *m = proto_msg_new((proto_type_t)0);
    assert_null(m);
    assert_int_equal(al_err_code(), AL_EINVAL);
    proto_msg_destroy(&m);
    proto_msg_destroy(NULL);

    m = proto_msg_new(PROTO_W_HELLO);
    proto_strmap_t *labels = &m->body.w_hello.labels;
    assert_int_equal(proto_strmap_put(labels, "a", "1"), 0);
    assert_int_equal(proto_strmap_put(labels, "b", "2"), 0);
    assert_int_equal(proto_strmap_put(labels, "a", "3"), 0);
    assert_int_equal(labels->count, 2);
    assert_string_equal(proto_strmap_get(labels, "a"), "3");
    assert_null(proto_strmap_get(labels, "zz"));
    assert_int_equal(proto_strmap_put(labels, NULL, "x"), AL_EINVAL);
    assert_int_equal(proto_strlist_add(&m->body.w_hello.drivers, NULL), AL_EINVAL);
    assert_int_equal(proto_str_set(&m->body.w_hello.accel, "kvm"), 0);
    assert_int_equal(proto_str_set(&m->body.w_hello.accel, "tcg"), 0); /* replaces, no leak */
    assert_string_equal(m->body.w_hello.accel, "tcg");

    proto_msg_t *n = proto_msg_new(PROTO_W_HELLO);
    assert_false(proto_msg_equal(m, n));
    assert_true(proto_msg_equal(n, n));
    assert_false(proto_msg_equal(m, NULL));
    proto_msg_destroy(&n);

    n = proto_msg_new(PROTO_C_EVENT);
    assert_int_equal(proto_bin_set(&n->body.c_event.blob, "\0\1", 2), 0);
    assert_int_equal(proto_bin_set(&n->body.c_event.blob, NULL, 0), 0);
    assert_int_equal(n->body.c_event.blob.len, 0);
    assert_int_equal(proto_bin_set(&n->body.c_event.blob, NULL, 3), AL_EINVAL);
    proto_msg_destroy(&n);

    n = proto_msg_new(PROTO_C_LIST_REPLY);
    proto_job_info_t *j = proto_job_info_list_add(&n->body.c_list_reply.jobs);
    assert_non_null(j);
    assert_int_equal(proto_str_set(&j->job_id, "j-1"), 0);
    assert_int_equal(n->body.c_list_reply.jobs.count, 1);
    proto_msg_destroy(&n);
    proto_msg_destroy(&m);
}

static void test_optional_flags_matter(void **state)
{
    (void)state;
    proto_msg_t *a = proto_msg_new(PROTO_C_LIST), *b = proto_msg_new(PROTO_C_LIST), *out = NULL;
    char *bytes = NULL;
    size_t len = 0;
    a->body.c_list.limit = b->body.c_list.limit = 10;
    assert_int_equal(proto_str_set(&a->body.c_list.state, "queued"), 0);
    assert_true(proto_msg_equal(a, b)); /* state set but has_state false: absent */
    a->body.c_list.has_state = true;
    assert_false(proto_msg_equal(a, b));
    assert_int_equal(proto_encode(b, &bytes, &len), 0);
    assert_int_equal(proto_decode(PROTO_CH_CLIENT, bytes, len, &out), 0);
    assert_false(out->body.c_list.has_state);
    assert_null(out->body.c_list.state);
    free(bytes);
    proto_msg_destroy(&out);
    assert_int_equal(proto_encode(a, &bytes, &len), 0);
    assert_int_equal(proto_decode(PROTO_CH_CLIENT, bytes, len, &out), 0);
    assert_true(out->body.c_list.has_state);
    assert_string_equal(out->body.c_list.state, "queued");
    free(bytes);
    proto_msg_destroy(&out);
    proto_msg_destroy(&a);
    proto_msg_destroy(&b);
}

/* proto_utf8_valid, including its 8-bytes-at-a-time ASCII path: a bad or
 * multibyte sequence and a NUL at every offset of a long ASCII string. */
static void test_utf8_every_offset(void **state)
{
    (void)state;
    static const struct { const char *seq; size_t len; bool ok; } seqs[] = {
        {"\xc3\xa9", 2, true}, {"\xe2\x9c\x93", 3, true}, {"\xf0\x9f\x94\x92", 4, true},
        {"\xf4\x8f\xbf\xbf", 4, true}, {"\x7f", 1, true},
        {"", 1, false} /* NUL */, {"\xff", 1, false}, {"\x80", 1, false}, {"\xc0\x80", 2, false},
        {"\xc3", 1, false}, {"\xe0\x80\xaf", 3, false}, {"\xed\xbf\xbf", 3, false},
        {"\xf4\x90\x80\x80", 4, false}, {"\xf8\x88\x80\x80\x80", 5, false}, {"\xc3\x28", 2, false},
    };
    char buf[64];
    for (size_t s = 0; s < sizeof seqs / sizeof seqs[0]; s++) {
        for (size_t at = 0; at + seqs[s].len <= 40; at++) {
            size_t len = 40;
            memset(buf, 'a', sizeof buf);
            memcpy(buf + at, seqs[s].seq, seqs[s].len);
            if (proto_utf8_valid(buf, len) != seqs[s].ok)
                fail_msg("sequence %zu at offset %zu: expected %s", s, at, seqs[s].ok ? "valid" : "invalid");
            /* a sequence cut by the end of the string is invalid */
            if (seqs[s].len > 1 && proto_utf8_valid(buf, at + seqs[s].len - 1) && seqs[s].ok)
                fail_msg("sequence %zu cut at the end of the string accepted", s);
        }
    }
    assert_true(proto_utf8_valid("", 0));
    assert_true(proto_utf8_valid("plain ascii that is longer than sixteen bytes", 45));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(proto_type_name(PROTO_W_HELLO), "HELLO");
    assert_string_equal(proto_type_name(PROTO_C_WORKERS_REPLY), "WORKERS_REPLY");
    assert_string_equal(proto_type_name((proto_type_t)999), "?");
    assert_int_equal(proto_type_channel(PROTO_C_SUBMIT), PROTO_CH_CLIENT);
    assert_int_equal(proto_type_channel(PROTO_W_ACK), PROTO_CH_WORKER);
    assert_int_equal(proto_type_dir(PROTO_W_ASSIGN), PROTO_DIR_TO_PEER);
    assert_int_equal(proto_type_dir(PROTO_W_HEARTBEAT), PROTO_DIR_BOTH);
    assert_int_equal(proto_type_dir(PROTO_C_SUBMIT), PROTO_DIR_TO_SERVER);
    assert_int_equal(proto_type_dir((proto_type_t)999), 0);
    assert_string_equal(proto_err_name(PROTO_ERR_MISSING_FIELD), "PROTO_ERR_MISSING_FIELD");
    assert_string_equal(proto_err_name((proto_err_t)999), "PROTO_ERR_?");
    assert_int_equal(proto_decode((proto_channel_t)7, "", 0, &(proto_msg_t *){NULL}), AL_EINVAL);
    assert_int_equal(proto_decode(PROTO_CH_WORKER, NULL, 5, &(proto_msg_t *){NULL}), AL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_every_type_full),
        cmocka_unit_test(test_roundtrip_every_type_minimal),
        cmocka_unit_test(test_every_prefix_truncated_and_suffix_trailing),
        cmocka_unit_test(test_every_string_limit),
        cmocka_unit_test(test_encode_refuses_invalid),
        cmocka_unit_test(test_total_size_cap),
        cmocka_unit_test(test_setters_and_lifecycle),
        cmocka_unit_test(test_optional_flags_matter),
        cmocka_unit_test(test_utf8_every_offset),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
