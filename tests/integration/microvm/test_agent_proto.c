/*
 * test_agent_proto.c: the host<->guest agent frame codec (worker/guest/agent_proto.c).
 *
 * Round trips of every message type, a stream split at every byte, and hostile
 * frames from a compromised guest: each must give a clear AL_EPROTO/AL_ELIMIT,
 * never a crash or a leak (run under ASan in the sanitizer build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/guest/agent_proto.h"
#include "common/error.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static agent_msg_t s_exec_msg(char **argv, char **env)
{
    agent_msg_t m = { .type = AGENT_MSG_EXEC, .id = 42, .argv = argv, .argc = 3, .env = env, .envc = 1,
                      .cwd = "/workspace", .timeout_ms = 1500, .max_output = 1 << 20, .max_procs = 64,
                      .memory_max = 1u << 30, .uid = 1000 };
    return m;
}

static void test_round_trip_exec(void **state)
{
    (void)state;
    char *argv[] = { "sh", "-c", "echo hi", NULL };
    char *env[] = { "A=b", NULL };
    agent_msg_t m = s_exec_msg(argv, env);
    char *buf;
    size_t len;
    assert_int_equal(agent_frame_encode(&m, &buf, &len), 0);
    agent_msg_t d;
    assert_int_equal(agent_frame_decode(buf + 4, len - 4, &d), 0);
    assert_int_equal(d.type, AGENT_MSG_EXEC);
    assert_int_equal(d.id, 42);
    assert_int_equal(d.argc, 3);
    assert_string_equal(d.argv[2], "echo hi");
    assert_null(d.argv[3]);
    assert_int_equal(d.envc, 1);
    assert_string_equal(d.env[0], "A=b");
    assert_string_equal(d.cwd, "/workspace");
    assert_int_equal(d.timeout_ms, 1500);
    assert_int_equal(d.uid, 1000);
    agent_msg_clear(&d);
    free(buf);
}

static void test_round_trip_replies(void **state)
{
    (void)state;
    unsigned char data[3] = { 0, 1, 255 };
    agent_msg_t out = { .type = AGENT_MSG_OUTPUT, .id = 7, .stream = 2, .data = data, .data_len = 3 };
    agent_msg_t ex = { .type = AGENT_MSG_EXIT, .id = 7, .exited = 0, .exit_code = -1, .signal = 9,
                       .timed_out = 1, .stdout_bytes = 1ull << 40, .wall_us = 5 };
    agent_msg_t ev = { .type = AGENT_MSG_EXEC_EVENT, .id = 7, .pid = 12, .ppid = 11, .uid = 1000,
                       .ts_us = 99, .text = "/usr/bin/ls", .args = "ls -l" };
    agent_msg_t lost = { .type = AGENT_MSG_EXEC_LOST, .id = 7, .lost = 3 };
    agent_msg_t *msgs[] = { &out, &ex, &ev, &lost };
    for (size_t i = 0; i < 4; i++) {
        char *buf;
        size_t len;
        assert_int_equal(agent_frame_encode(msgs[i], &buf, &len), 0);
        agent_msg_t d;
        assert_int_equal(agent_frame_decode(buf + 4, len - 4, &d), 0);
        assert_int_equal(d.type, msgs[i]->type);
        if (i == 0) {
            assert_int_equal(d.data_len, 3);
            assert_memory_equal(d.data, data, 3);
        } else if (i == 1) {
            assert_int_equal(d.exit_code, -1);
            assert_int_equal(d.signal, 9);
            assert_int_equal(d.stdout_bytes, 1ull << 40);
        } else if (i == 2) {
            assert_string_equal(d.text, "/usr/bin/ls");
            assert_string_equal(d.args, "ls -l");
            assert_int_equal(d.ppid, 11);
        } else {
            assert_int_equal(d.id, 7);
            assert_int_equal(d.lost, 3);
            assert_string_equal(agent_msg_type_name(d.type), "exec_lost");
        }
        agent_msg_clear(&d);
        free(buf);
    }
}

static void test_reader_split_stream(void **state)
{
    (void)state;
    agent_msg_t a = { .type = AGENT_MSG_PING, .id = 1 };
    agent_msg_t b = { .type = AGENT_MSG_READY, .version = AGENT_PROTO_VERSION, .text = "6.1.0" };
    char *ba, *bb;
    size_t la, lb;
    assert_int_equal(agent_frame_encode(&a, &ba, &la), 0);
    assert_int_equal(agent_frame_encode(&b, &bb, &lb), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    agent_reader_t *r = agent_reader_new();
    assert_non_null(r);
    char all[512];
    memcpy(all, ba, la);
    memcpy(all + la, bb, lb);
    int got = 0;
    for (size_t i = 0; i < la + lb; i++) {
        assert_int_equal(write(p[1], all + i, 1), 1);
        assert_int_equal(agent_reader_fill(r, p[0]), 0);
        agent_msg_t m;
        int rc = agent_reader_next(r, &m);
        assert_true(rc >= 0);
        if (rc == 1) {
            got++;
            assert_int_equal(m.type, got == 1 ? AGENT_MSG_PING : AGENT_MSG_READY);
            agent_msg_clear(&m);
        }
    }
    assert_int_equal(got, 2);
    close(p[1]);
    assert_int_equal(agent_reader_fill(r, p[0]), AL_EPROTO);
    close(p[0]);
    agent_reader_destroy(&r);
    assert_null(r);
    free(ba);
    free(bb);
}

/* Packs a map from alternating key/value writers for hostile frames. */
static void decode_expect(const msgpack_sbuffer *sb, int want)
{
    agent_msg_t d;
    int rc = agent_frame_decode(sb->data, sb->size, &d);
    assert_int_equal(rc, want);
    assert_true(strlen(al_err_msg()) > 0);
    assert_int_equal(d.type, AGENT_MSG_NONE);
}

static void pack_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

static void pack_head(msgpack_packer *pk, uint32_t pairs, uint32_t type)
{
    msgpack_pack_map(pk, pairs);
    pack_str(pk, "t");
    msgpack_pack_uint32(pk, type);
}

static void pack_uint(msgpack_packer *pk, const char *key, uint32_t v)
{
    pack_str(pk, key);
    msgpack_pack_uint32(pk, v);
}

static void test_hostile_frames(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    /* not a map */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_int(&pk, 1);
    decode_expect(&sb, AL_EPROTO);
    msgpack_sbuffer_clear(&sb);
    /* unknown type */
    pack_head(&pk, 1, 99);
    decode_expect(&sb, AL_EPROTO);
    msgpack_sbuffer_clear(&sb);
    /* PING without id */
    pack_head(&pk, 1, AGENT_MSG_PING);
    decode_expect(&sb, AL_EPROTO);
    msgpack_sbuffer_clear(&sb);
    /* unknown key */
    pack_head(&pk, 3, AGENT_MSG_PING);
    pack_uint(&pk, "id", 1);
    pack_uint(&pk, "evil", 1);
    decode_expect(&sb, AL_EPROTO);
    msgpack_sbuffer_clear(&sb);
    /* duplicate key */
    pack_head(&pk, 3, AGENT_MSG_PING);
    pack_uint(&pk, "id", 1);
    pack_uint(&pk, "id", 2);
    decode_expect(&sb, AL_EPROTO);
    msgpack_sbuffer_clear(&sb);
    /* wrong value type, string with NUL, negative unsigned */
    pack_head(&pk, 3, AGENT_MSG_ERROR);
    pack_str(&pk, "id");
    msgpack_pack_int(&pk, -1);
    pack_str(&pk, "text");
    msgpack_pack_str(&pk, 3);
    msgpack_pack_str_body(&pk, "a\0b", 3);
    decode_expect(&sb, AL_EPROTO);
    msgpack_sbuffer_clear(&sb);
    pack_head(&pk, 3, AGENT_MSG_ERROR);
    pack_uint(&pk, "id", 1);
    pack_str(&pk, "text");
    msgpack_pack_str(&pk, 3);
    msgpack_pack_str_body(&pk, "a\0b", 3);
    decode_expect(&sb, AL_EPROTO);
    msgpack_sbuffer_clear(&sb);
    /* argv with a non-string, and a huge claimed array */
    pack_head(&pk, 2, AGENT_MSG_EXEC);
    pack_str(&pk, "argv");
    msgpack_pack_array(&pk, 2);
    pack_str(&pk, "ok");
    msgpack_pack_int(&pk, 5);
    decode_expect(&sb, AL_EPROTO);
    msgpack_sbuffer_clear(&sb);
    /* valid frame followed by trailing bytes; then truncated */
    pack_head(&pk, 2, AGENT_MSG_PING);
    pack_uint(&pk, "id", 1);
    msgpack_pack_nil(&pk);
    decode_expect(&sb, AL_EPROTO);
    sb.size -= 3;
    decode_expect(&sb, AL_EPROTO);
    msgpack_sbuffer_destroy(&sb);
}

static void test_oversize_header(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    unsigned char hdr[4] = { 0x7f, 0xff, 0xff, 0xff };
    assert_int_equal(write(p[1], hdr, 4), 4);
    agent_reader_t *r = agent_reader_new();
    assert_int_equal(agent_reader_fill(r, p[0]), 0);
    agent_msg_t m;
    assert_int_equal(agent_reader_next(r, &m), AL_ELIMIT);
    agent_reader_destroy(&r);
    close(p[0]);
    close(p[1]);
    /* encoding refuses unknown types and oversize payloads */
    agent_msg_t bad = { .type = (agent_msg_type_t)77 };
    char *buf;
    size_t len;
    assert_int_equal(agent_frame_encode(&bad, &buf, &len), AL_EINVAL);
    size_t big = AGENT_FRAME_MAX + 1;
    unsigned char *data = calloc(1, big);
    assert_non_null(data);
    agent_msg_t huge = { .type = AGENT_MSG_OUTPUT, .data = data, .data_len = big, .stream = 1 };
    assert_int_equal(agent_frame_encode(&huge, &buf, &len), AL_ELIMIT);
    assert_null(buf);
    free(data);
}

static void test_recv_deadline(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    agent_reader_t *r = agent_reader_new();
    agent_msg_t m;
    assert_int_equal(agent_frame_recv(r, p[0], &m, agent_now_ms() + 50), AL_ETIMEOUT);
    agent_reader_destroy(&r);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_exec),
        cmocka_unit_test(test_round_trip_replies),
        cmocka_unit_test(test_reader_split_stream),
        cmocka_unit_test(test_hostile_frames),
        cmocka_unit_test(test_oversize_header),
        cmocka_unit_test(test_recv_deadline),
    };
    return cmocka_run_group_tests_name("agent_proto", tests, NULL, NULL);
}
