/*
 * proto_cases.c: hand-built msgpack inputs, one or more per decoder rejection
 * class, packed with msgpack_pack_* directly (never with proto_encode), so
 * the decoder is tested against bytes it did not produce. Also written to
 * tests/corpus/proto/ as regression inputs and fuzzer seeds.
 */
#include "proto_testlib.h"

#include <string.h>

static void pk_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

static void pk_raw_str(msgpack_packer *pk, const char *s, size_t len)
{
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
}

static void pk_env(msgpack_packer *pk, uint64_t type)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, 1);
    msgpack_pack_uint64(pk, type);
}

/* Value packers used to replace a HELLO field. */
typedef void (*pk_fn)(msgpack_packer *pk);

/* A HELLO with every field valid, except: `omit` left out, `swap`'s value
 * packed by fn, `extra` packed as an additional field after the others. */
static void pk_hello(msgpack_packer *pk, const char *omit, const char *swap, pk_fn fn, pk_fn extra)
{
    static const char *const names[] = {"worker_name", "slots", "drivers", "accel", "labels", "in_flight", "version"};
    size_t n = 7 - (omit ? 1 : 0) + (extra ? 1 : 0);
    pk_env(pk, PROTO_W_HELLO);
    msgpack_pack_map(pk, n);
    for (size_t i = 0; i < 7; i++) {
        const char *f = names[i];
        if (omit && strcmp(omit, f) == 0)
            continue;
        pk_str(pk, f);
        if (swap && strcmp(swap, f) == 0) { fn(pk); continue; }
        if (i == 1) { msgpack_pack_uint64(pk, 4); continue; }
        if (i == 2) { msgpack_pack_array(pk, 2); pk_str(pk, "microvm"); pk_str(pk, "ns"); continue; }
        if (i == 4) { msgpack_pack_map(pk, 1); pk_str(pk, "zone"); pk_str(pk, "eu-1"); continue; }
        if (i == 5) { msgpack_pack_array(pk, 1); pk_str(pk, "t-17"); continue; }
        pk_str(pk, i == 0 ? "worker-1" : i == 3 ? "kvm" : "0.1.0");
    }
    if (extra)
        extra(pk);
}

/* ---- valid --------------------------------------------------------------- */
static void b_ok_hello(msgpack_packer *pk) { pk_hello(pk, NULL, NULL, NULL, NULL); }
static void b_ok_submit(msgpack_packer *pk)
{
    pk_env(pk, PROTO_C_SUBMIT);
    msgpack_pack_map(pk, 2);
    pk_str(pk, "job"); pk_str(pk, "{\"repo\":\"/srv/r.git\"}");
    pk_str(pk, "req_id"); msgpack_pack_uint64(pk, 7); /* any field order */
}
static void b_ok_int_small_format(msgpack_packer *pk)
{ /* RESULT with exit_code as a negative fixint and a uint as int8 format */
    static const unsigned char raw[] = {0xd0, 0x05};
    pk_env(pk, PROTO_W_RESULT);
    msgpack_pack_map(pk, 7);
    pk_str(pk, "task_id"); pk_str(pk, "t-1");
    pk_str(pk, "attempt"); msgpack_pack_uint8(pk, 1);
    pk_str(pk, "seq"); msgpack_pack_str_body(pk, raw, sizeof raw); /* raw int8 5 */
    pk_str(pk, "verdict"); pk_str(pk, "accepted");
    pk_str(pk, "reason"); pk_str(pk, "");
    pk_str(pk, "exit_code"); msgpack_pack_int64(pk, -9);
    pk_str(pk, "summary"); msgpack_pack_map(pk, 0);
}

/* ---- envelope ------------------------------------------------------------ */
static void b_env_map(msgpack_packer *pk) { msgpack_pack_map(pk, 0); }
static void b_env_nil(msgpack_packer *pk) { msgpack_pack_nil(pk); }
static void b_env_short(msgpack_packer *pk) { msgpack_pack_array(pk, 2); msgpack_pack_uint64(pk, 1); msgpack_pack_uint64(pk, 1); }
static void b_env_long(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 4); msgpack_pack_uint64(pk, 1); msgpack_pack_uint64(pk, 9);
    msgpack_pack_map(pk, 1); pk_str(pk, "reason"); pk_str(pk, "x"); msgpack_pack_nil(pk);
}
static void b_env_str_version(msgpack_packer *pk) { msgpack_pack_array(pk, 3); pk_str(pk, "1"); msgpack_pack_uint64(pk, 9); msgpack_pack_map(pk, 0); }
static void b_env_neg_type(msgpack_packer *pk) { msgpack_pack_array(pk, 3); msgpack_pack_uint64(pk, 1); msgpack_pack_int64(pk, -1); msgpack_pack_map(pk, 0); }
static void b_env_body_array(msgpack_packer *pk) { pk_env(pk, PROTO_W_BYE); msgpack_pack_array(pk, 0); }
static void b_version_0(msgpack_packer *pk) { msgpack_pack_array(pk, 3); msgpack_pack_uint64(pk, 0); msgpack_pack_uint64(pk, 9); msgpack_pack_map(pk, 0); }
static void b_version_2(msgpack_packer *pk) { msgpack_pack_array(pk, 3); msgpack_pack_uint64(pk, 2); msgpack_pack_uint64(pk, 1); msgpack_pack_map(pk, 0); }
static void b_version_max(msgpack_packer *pk) { msgpack_pack_array(pk, 3); msgpack_pack_uint64(pk, UINT64_MAX); msgpack_pack_uint64(pk, 1); msgpack_pack_map(pk, 0); }
static void b_type_0(msgpack_packer *pk) { pk_env(pk, 0); msgpack_pack_map(pk, 0); }
static void b_type_200(msgpack_packer *pk) { pk_env(pk, 200); msgpack_pack_map(pk, 0); }
static void b_type_max(msgpack_packer *pk) { pk_env(pk, UINT64_MAX); msgpack_pack_map(pk, 0); }
static void b_submit(msgpack_packer *pk) { b_ok_submit(pk); }

/* ---- fields -------------------------------------------------------------- */
static void v_str_x(msgpack_packer *pk) { pk_str(pk, "x"); }
static void v_neg(msgpack_packer *pk) { msgpack_pack_int64(pk, -4); }
static void v_bin(msgpack_packer *pk) { msgpack_pack_bin(pk, 2); msgpack_pack_bin_body(pk, "w1", 2); }
static void v_float(msgpack_packer *pk) { msgpack_pack_double(pk, 4.0); }
static void v_nil(msgpack_packer *pk) { msgpack_pack_nil(pk); }
static void v_ext(msgpack_packer *pk) { msgpack_pack_ext(pk, 1, 1); msgpack_pack_ext_body(pk, "x", 1); }
static void v_list_int(msgpack_packer *pk) { msgpack_pack_array(pk, 2); pk_str(pk, "ns"); msgpack_pack_uint64(pk, 3); }
static void v_map_as_list(msgpack_packer *pk) { msgpack_pack_array(pk, 0); }
static void v_dup_key(msgpack_packer *pk) { msgpack_pack_map(pk, 2); pk_str(pk, "a"); pk_str(pk, "1"); pk_str(pk, "a"); pk_str(pk, "2"); }
static void v_name_129(msgpack_packer *pk) { char b[129]; memset(b, 'n', sizeof b); pk_raw_str(pk, b, sizeof b); }
static void v_drivers_17(msgpack_packer *pk) { msgpack_pack_array(pk, 17); for (int i = 0; i < 17; i++) pk_str(pk, "ns"); }
static void v_label_257(msgpack_packer *pk) { char b[257]; memset(b, 'v', sizeof b); msgpack_pack_map(pk, 1); pk_str(pk, "k"); pk_raw_str(pk, b, sizeof b); }
static void v_labels_65(msgpack_packer *pk)
{
    char k[8];
    msgpack_pack_map(pk, 65);
    for (int i = 0; i < 65; i++) { snprintf(k, sizeof k, "k%d", i); pk_str(pk, k); pk_str(pk, "v"); }
}
static void v_huge_array(msgpack_packer *pk) { static const unsigned char h[] = {0xdd, 0xff, 0xff, 0xff, 0xff}; msgpack_pack_str_body(pk, h, sizeof h); }
static void v_huge_str(msgpack_packer *pk) { static const unsigned char h[] = {0xdb, 0xff, 0xff, 0xff, 0xf0, 'a'}; msgpack_pack_str_body(pk, h, sizeof h); }
static void v_huge_map(msgpack_packer *pk) { static const unsigned char h[] = {0xdf, 0x7f, 0xff, 0xff, 0xff}; msgpack_pack_str_body(pk, h, sizeof h); }
static void v_utf8_ff(msgpack_packer *pk) { pk_raw_str(pk, "w\xff", 2); }
static void v_utf8_overlong(msgpack_packer *pk) { pk_raw_str(pk, "\xc0\xaf", 2); }
static void v_utf8_surrogate(msgpack_packer *pk) { pk_raw_str(pk, "\xed\xa0\x80", 3); }
static void v_utf8_nul(msgpack_packer *pk) { pk_raw_str(pk, "w\0x", 3); }
static void v_utf8_cut(msgpack_packer *pk) { pk_raw_str(pk, "w\xe2\x9c", 3); }
static void v_utf8_big(msgpack_packer *pk) { pk_raw_str(pk, "\xf4\x90\x80\x80", 4); }
static void v_utf8_key(msgpack_packer *pk) { msgpack_pack_map(pk, 1); pk_raw_str(pk, "\xfe", 1); pk_str(pk, "v"); }
static void v_reserved(msgpack_packer *pk) { static const unsigned char h[] = {0xc1}; msgpack_pack_str_body(pk, h, 1); }
static void v_deep(msgpack_packer *pk) { for (int i = 0; i < 5; i++) msgpack_pack_array(pk, 1); msgpack_pack_array(pk, 0); }
static void e_bogus(msgpack_packer *pk) { pk_str(pk, "bogus"); msgpack_pack_uint64(pk, 1); }
static void e_slots(msgpack_packer *pk) { pk_str(pk, "slots"); msgpack_pack_uint64(pk, 8); }
static void e_binkey(msgpack_packer *pk) { pk_raw_str(pk, "sl\xffots", 6); msgpack_pack_uint64(pk, 8); }
static void e_intkey(msgpack_packer *pk) { msgpack_pack_uint64(pk, 1); msgpack_pack_uint64(pk, 8); }

static void b_missing_slots(msgpack_packer *pk) { pk_hello(pk, "slots", NULL, NULL, NULL); }
static void b_missing_in_flight(msgpack_packer *pk) { pk_hello(pk, "in_flight", NULL, NULL, NULL); }
static void b_extra_bogus(msgpack_packer *pk) { pk_hello(pk, NULL, NULL, NULL, e_bogus); }
static void b_extra_binkey(msgpack_packer *pk) { pk_hello(pk, NULL, NULL, NULL, e_binkey); }
static void b_dup_slots(msgpack_packer *pk) { pk_hello(pk, NULL, NULL, NULL, e_slots); }
static void b_dup_label(msgpack_packer *pk) { pk_hello(pk, NULL, "labels", v_dup_key, NULL); }
static void b_wt_slots_str(msgpack_packer *pk) { pk_hello(pk, NULL, "slots", v_str_x, NULL); }
static void b_wt_slots_neg(msgpack_packer *pk) { pk_hello(pk, NULL, "slots", v_neg, NULL); }
static void b_wt_slots_float(msgpack_packer *pk) { pk_hello(pk, NULL, "slots", v_float, NULL); }
static void b_wt_name_bin(msgpack_packer *pk) { pk_hello(pk, NULL, "worker_name", v_bin, NULL); }
static void b_wt_name_nil(msgpack_packer *pk) { pk_hello(pk, NULL, "worker_name", v_nil, NULL); }
static void b_wt_accel_ext(msgpack_packer *pk) { pk_hello(pk, NULL, "accel", v_ext, NULL); }
static void b_wt_driver_int(msgpack_packer *pk) { pk_hello(pk, NULL, "drivers", v_list_int, NULL); }
static void b_wt_labels_list(msgpack_packer *pk) { pk_hello(pk, NULL, "labels", v_map_as_list, NULL); }
static void b_wt_intkey(msgpack_packer *pk) { pk_hello(pk, NULL, NULL, NULL, e_intkey); }
static void b_wt_bool_int(msgpack_packer *pk)
{
    pk_env(pk, PROTO_C_ACCEPTED);
    msgpack_pack_map(pk, 3);
    pk_str(pk, "req_id"); msgpack_pack_uint64(pk, 1);
    pk_str(pk, "job_id"); pk_str(pk, "j-1");
    pk_str(pk, "existing"); msgpack_pack_uint64(pk, 1);
}
static void b_big_name(msgpack_packer *pk) { pk_hello(pk, NULL, "worker_name", v_name_129, NULL); }
static void b_big_drivers(msgpack_packer *pk) { pk_hello(pk, NULL, "drivers", v_drivers_17, NULL); }
static void b_big_label(msgpack_packer *pk) { pk_hello(pk, NULL, "labels", v_label_257, NULL); }
static void b_big_labels(msgpack_packer *pk) { pk_hello(pk, NULL, "labels", v_labels_65, NULL); }
static void b_big_exit(msgpack_packer *pk)
{
    pk_env(pk, PROTO_W_RESULT);
    msgpack_pack_map(pk, 7);
    pk_str(pk, "task_id"); pk_str(pk, "t-1");
    pk_str(pk, "attempt"); msgpack_pack_uint64(pk, 1);
    pk_str(pk, "seq"); msgpack_pack_uint64(pk, 3);
    pk_str(pk, "verdict"); pk_str(pk, "accepted");
    pk_str(pk, "reason"); pk_str(pk, "");
    pk_str(pk, "exit_code"); msgpack_pack_uint64(pk, UINT64_MAX);
    pk_str(pk, "summary"); msgpack_pack_map(pk, 0);
}
static void b_trailing(msgpack_packer *pk) { pk_hello(pk, NULL, NULL, NULL, NULL); msgpack_pack_nil(pk); }
static void b_trailing_msg(msgpack_packer *pk) { pk_hello(pk, NULL, NULL, NULL, NULL); pk_hello(pk, NULL, NULL, NULL, NULL); }
static void b_empty(msgpack_packer *pk) { (void)pk; }
static void b_cut(msgpack_packer *pk) { pk_env(pk, PROTO_W_HELLO); msgpack_pack_map(pk, 7); pk_str(pk, "worker_name"); }
static void b_huge_array(msgpack_packer *pk) { pk_hello(pk, NULL, "drivers", v_huge_array, NULL); }
static void b_huge_str(msgpack_packer *pk) { pk_hello(pk, NULL, "worker_name", v_huge_str, NULL); }
static void b_huge_map(msgpack_packer *pk) { pk_hello(pk, NULL, "labels", v_huge_map, NULL); }
static void b_utf8_ff(msgpack_packer *pk) { pk_hello(pk, NULL, "worker_name", v_utf8_ff, NULL); }
static void b_utf8_overlong(msgpack_packer *pk) { pk_hello(pk, NULL, "worker_name", v_utf8_overlong, NULL); }
static void b_utf8_surrogate(msgpack_packer *pk) { pk_hello(pk, NULL, "accel", v_utf8_surrogate, NULL); }
static void b_utf8_nul(msgpack_packer *pk) { pk_hello(pk, NULL, "version", v_utf8_nul, NULL); }
static void b_utf8_cut(msgpack_packer *pk) { pk_hello(pk, NULL, "version", v_utf8_cut, NULL); }
static void b_utf8_big(msgpack_packer *pk) { pk_hello(pk, NULL, "version", v_utf8_big, NULL); }
static void b_utf8_key(msgpack_packer *pk) { pk_hello(pk, NULL, "labels", v_utf8_key, NULL); }
static void b_reserved(msgpack_packer *pk) { pk_hello(pk, NULL, "slots", v_reserved, NULL); }
static void b_deep(msgpack_packer *pk) { pk_hello(pk, NULL, "drivers", v_deep, NULL); }
static void b_missing_nested(msgpack_packer *pk)
{
    pk_env(pk, PROTO_C_STATUS_REPLY);
    msgpack_pack_map(pk, 2);
    pk_str(pk, "req_id"); msgpack_pack_uint64(pk, 3);
    pk_str(pk, "job"); msgpack_pack_map(pk, 4);
    pk_str(pk, "job_id"); pk_str(pk, "j-1");
    pk_str(pk, "attempt"); msgpack_pack_uint64(pk, 1);
    pk_str(pk, "created_us"); msgpack_pack_uint64(pk, 1);
    pk_str(pk, "labels"); msgpack_pack_map(pk, 0);
}
static void b_wt_in_list(msgpack_packer *pk)
{
    pk_env(pk, PROTO_C_WORKERS_REPLY);
    msgpack_pack_map(pk, 2);
    pk_str(pk, "req_id"); msgpack_pack_uint64(pk, 3);
    pk_str(pk, "workers"); msgpack_pack_array(pk, 1); pk_str(pk, "w-1");
}

#define W PROTO_CH_WORKER
#define C PROTO_CH_CLIENT
const ptest_case_t ptest_cases[] = {
    {"hello", W, PROTO_ERR_NONE, NULL, b_ok_hello},
    {"submit_any_order", C, PROTO_ERR_NONE, NULL, b_ok_submit},
    {"result_small_int_formats", W, PROTO_ERR_NONE, NULL, b_ok_int_small_format},
    {"map", W, PROTO_ERR_NOT_ENVELOPE, NULL, b_env_map},
    {"nil", C, PROTO_ERR_NOT_ENVELOPE, NULL, b_env_nil},
    {"array_of_2", W, PROTO_ERR_NOT_ENVELOPE, NULL, b_env_short},
    {"array_of_4", W, PROTO_ERR_NOT_ENVELOPE, NULL, b_env_long},
    {"version_str", W, PROTO_ERR_NOT_ENVELOPE, NULL, b_env_str_version},
    {"type_negative", W, PROTO_ERR_NOT_ENVELOPE, NULL, b_env_neg_type},
    {"body_array", W, PROTO_ERR_NOT_ENVELOPE, NULL, b_env_body_array},
    {"version_0", W, PROTO_ERR_BAD_VERSION, NULL, b_version_0},
    {"version_2", W, PROTO_ERR_BAD_VERSION, "PROTO_ERR_BAD_VERSION: version 2, this side speaks 1", b_version_2},
    {"version_max", C, PROTO_ERR_BAD_VERSION, NULL, b_version_max},
    {"type_0", W, PROTO_ERR_UNKNOWN_TYPE, NULL, b_type_0},
    {"type_200", C, PROTO_ERR_UNKNOWN_TYPE, "PROTO_ERR_UNKNOWN_TYPE: type 200", b_type_200},
    {"type_u64max", W, PROTO_ERR_UNKNOWN_TYPE, NULL, b_type_max},
    {"hello_on_client", C, PROTO_ERR_WRONG_CHANNEL, NULL, b_ok_hello},
    {"submit_on_worker", W, PROTO_ERR_WRONG_CHANNEL, NULL, b_submit},
    {"hello_no_slots", W, PROTO_ERR_MISSING_FIELD, "PROTO_ERR_MISSING_FIELD: HELLO.slots", b_missing_slots},
    {"hello_no_in_flight", W, PROTO_ERR_MISSING_FIELD, "PROTO_ERR_MISSING_FIELD: HELLO.in_flight", b_missing_in_flight},
    {"status_reply_no_state", C, PROTO_ERR_MISSING_FIELD, "PROTO_ERR_MISSING_FIELD: STATUS_REPLY.job.state", b_missing_nested},
    {"hello_bogus", W, PROTO_ERR_EXTRA_FIELD, "PROTO_ERR_EXTRA_FIELD: HELLO.bogus", b_extra_bogus},
    {"hello_binary_name", W, PROTO_ERR_EXTRA_FIELD, "PROTO_ERR_EXTRA_FIELD: HELLO.sl?ots", b_extra_binkey},
    {"hello_slots_twice", W, PROTO_ERR_DUPLICATE_FIELD, "PROTO_ERR_DUPLICATE_FIELD: HELLO.slots", b_dup_slots},
    {"hello_label_twice", W, PROTO_ERR_DUPLICATE_FIELD, NULL, b_dup_label},
    {"slots_str", W, PROTO_ERR_WRONG_TYPE, "PROTO_ERR_WRONG_TYPE: HELLO.slots: expected uint, got str", b_wt_slots_str},
    {"slots_negative", W, PROTO_ERR_WRONG_TYPE, NULL, b_wt_slots_neg},
    {"slots_float", W, PROTO_ERR_WRONG_TYPE, NULL, b_wt_slots_float},
    {"name_bin", W, PROTO_ERR_WRONG_TYPE, NULL, b_wt_name_bin},
    {"name_nil", W, PROTO_ERR_WRONG_TYPE, NULL, b_wt_name_nil},
    {"accel_ext", W, PROTO_ERR_WRONG_TYPE, NULL, b_wt_accel_ext},
    {"driver_int", W, PROTO_ERR_WRONG_TYPE, NULL, b_wt_driver_int},
    {"labels_list", W, PROTO_ERR_WRONG_TYPE, NULL, b_wt_labels_list},
    {"field_name_int", W, PROTO_ERR_WRONG_TYPE, NULL, b_wt_intkey},
    {"existing_int", C, PROTO_ERR_WRONG_TYPE, NULL, b_wt_bool_int},
    {"workers_item_str", C, PROTO_ERR_WRONG_TYPE, NULL, b_wt_in_list},
    {"name_129", W, PROTO_ERR_OVERSIZE, "PROTO_ERR_OVERSIZE: HELLO.worker_name: 129 bytes, max 128", b_big_name},
    {"drivers_17", W, PROTO_ERR_OVERSIZE, NULL, b_big_drivers},
    {"label_value_257", W, PROTO_ERR_OVERSIZE, NULL, b_big_label},
    {"labels_65", W, PROTO_ERR_OVERSIZE, NULL, b_big_labels},
    {"exit_code_u64max", W, PROTO_ERR_OVERSIZE, NULL, b_big_exit},
    {"nil_after", W, PROTO_ERR_TRAILING_BYTES, NULL, b_trailing},
    {"two_messages", W, PROTO_ERR_TRAILING_BYTES, NULL, b_trailing_msg},
    {"empty", W, PROTO_ERR_TRUNCATED, NULL, b_empty},
    {"cut_in_body", W, PROTO_ERR_TRUNCATED, NULL, b_cut},
    {"array32_header_only", W, PROTO_ERR_TRUNCATED, NULL, b_huge_array},
    {"str32_header_only", W, PROTO_ERR_TRUNCATED, NULL, b_huge_str},
    {"map32_header_only", W, PROTO_ERR_TRUNCATED, NULL, b_huge_map},
    {"name_ff", W, PROTO_ERR_BAD_UTF8, "PROTO_ERR_BAD_UTF8: HELLO.worker_name: not valid UTF-8 (or holds NUL)", b_utf8_ff},
    {"name_overlong", W, PROTO_ERR_BAD_UTF8, NULL, b_utf8_overlong},
    {"accel_surrogate", W, PROTO_ERR_BAD_UTF8, NULL, b_utf8_surrogate},
    {"version_nul", W, PROTO_ERR_BAD_UTF8, NULL, b_utf8_nul},
    {"version_cut_sequence", W, PROTO_ERR_BAD_UTF8, NULL, b_utf8_cut},
    {"version_above_10ffff", W, PROTO_ERR_BAD_UTF8, NULL, b_utf8_big},
    {"label_key_fe", W, PROTO_ERR_BAD_UTF8, NULL, b_utf8_key},
    {"reserved_c1", W, PROTO_ERR_MALFORMED, NULL, b_reserved},
    {"nested_too_deep", W, PROTO_ERR_MALFORMED, NULL, b_deep},
};
const size_t ptest_ncases = sizeof ptest_cases / sizeof ptest_cases[0];
