/*
 * test_proto_schema.c: proves that the generated C tables and the single
 * definition, schemas/protocol.json, agree exactly. It re-reads the JSON with
 * jansson and checks every channel, message (name, code, direction), field
 * (name, order, type, optional, limits) and struct against the runtime
 * tables; and that the message reference in docs/PROTOCOL.md is the one
 * protogen generated from the same JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/proto/proto.h"
#include "proto_testlib.h"

#define SCHEMA AIRLOCK_SOURCE_DIR "/schemas/protocol.json"
#define DOC AIRLOCK_SOURCE_DIR "/docs/PROTOCOL.md"
#define REF AIRLOCK_BUILD_DIR "/common/proto/protocol_ref.md"

static json_t *load_schema(void)
{
    json_error_t err;
    json_t *root = json_load_file(SCHEMA, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        fail_msg("%s:%d: %s", SCHEMA, err.line, err.text);
    return root;
}

static const char *kind_type(const proto_field_desc_t *f, char *buf, size_t size)
{
    switch (f->kind) {
    case PROTO_F_STR: return "str";
    case PROTO_F_BIN: return "bin";
    case PROTO_F_UINT: return "uint";
    case PROTO_F_INT: return "int";
    case PROTO_F_BOOL: return "bool";
    case PROTO_F_STRLIST: return "list<str>";
    case PROTO_F_STRMAP: return "map<str,str>";
    case PROTO_F_STRUCT: snprintf(buf, size, "%s", f->elem->name); return buf;
    case PROTO_F_STRUCTLIST: snprintf(buf, size, "list<%s>", f->elem->name); return buf;
    }
    return "?";
}

static uint64_t jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

/* Compares one JSON field list with a descriptor, field by field, in order. */
static void check_fields(json_t *fields, const proto_struct_desc_t *d, const char *owner)
{
    char buf[96];
    assert_int_equal(json_array_size(fields), d->nfields);
    for (size_t i = 0; i < d->nfields; i++) {
        json_t *jf = json_array_get(fields, i);
        const proto_field_desc_t *f = &d->fields[i];
        const char *jname = json_string_value(json_object_get(jf, "name"));
        if (!jname || strcmp(jname, f->name) != 0)
            fail_msg("%s field %zu: JSON %s, C %s", owner, i, jname ? jname : "?", f->name);
        if (strcmp(json_string_value(json_object_get(jf, "type")), kind_type(f, buf, sizeof buf)) != 0)
            fail_msg("%s.%s: type differs", owner, f->name);
        assert_int_equal(json_is_true(json_object_get(jf, "optional")), f->optional);
        assert_int_equal(jint(jf, "max"), f->max);
        assert_int_equal(jint(jf, "key_max"), f->key_max);
        assert_int_equal(jint(jf, f->kind == PROTO_F_STRMAP ? "value_max" : "item_max"), f->item_max);
    }
}

static void test_messages_match_json(void **state)
{
    (void)state;
    json_t *root = load_schema(), *ch, *m;
    size_t i, j, total = 0;
    assert_int_equal(jint(root, "version"), PROTO_VERSION);
    assert_int_equal(jint(root, "max_message_bytes"), PROTO_MAX_MSG_BYTES);
    json_array_foreach(json_object_get(root, "channels"), i, ch) {
        const char *chname = json_string_value(json_object_get(ch, "name"));
        proto_channel_t want = strcmp(chname, "worker") == 0 ? PROTO_CH_WORKER : PROTO_CH_CLIENT;
        json_array_foreach(json_object_get(ch, "messages"), j, m) {
            const char *name = json_string_value(json_object_get(m, "name"));
            const char *dir = json_string_value(json_object_get(m, "dir"));
            const proto_msg_desc_t *d = proto_type_desc((proto_type_t)jint(m, "code"));
            char symbol[96];
            if (!d)
                fail_msg("%s %s: code %llu not in the C table", chname, name, (unsigned long long)jint(m, "code"));
            snprintf(symbol, sizeof symbol, "PROTO_%s_%s", json_string_value(json_object_get(ch, "prefix")), name);
            assert_string_equal(d->name, name);
            assert_string_equal(d->body->name, name);
            assert_string_equal(d->symbol, symbol);
            assert_int_equal(d->channel, want);
            assert_int_equal(d->dir, strcmp(dir, "to_server") == 0 ? PROTO_DIR_TO_SERVER
                                     : strcmp(dir, "to_peer") == 0 ? PROTO_DIR_TO_PEER : PROTO_DIR_BOTH);
            check_fields(json_object_get(m, "fields"), d->body, name);
            total++;
        }
    }
    assert_int_equal(total, PROTO_TYPE_COUNT);
    json_decref(root);
}

static void test_structs_match_json(void **state)
{
    (void)state;
    json_t *root = load_schema(), *s;
    size_t i, found = 0;
    json_array_foreach(json_object_get(root, "structs"), i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));
        const proto_struct_desc_t *d = NULL;
        for (size_t t = 0; t < PROTO_TYPE_COUNT && !d; t++) /* reach structs through the fields using them */
            for (size_t f = 0; f < proto_msg_table[t].body->nfields && !d; f++) {
                const proto_struct_desc_t *e = proto_msg_table[t].body->fields[f].elem;
                if (e && strcmp(e->name, name) == 0)
                    d = e;
            }
        if (!d)
            fail_msg("struct %s is used by no message", name);
        check_fields(json_object_get(s, "fields"), d, name);
        found++;
    }
    assert_true(found >= 2);
    json_decref(root);
}

/* A change to one side only is caught: a field renamed in the JSON would
 * make check_fields fail. Prove the checker is not vacuous. */
static void test_checker_detects_difference(void **state)
{
    (void)state;
    json_t *root = load_schema();
    json_t *hello = json_array_get(json_object_get(json_array_get(json_object_get(root, "channels"), 0), "messages"), 0);
    json_t *f0 = json_array_get(json_object_get(hello, "fields"), 0);
    const proto_msg_desc_t *d = proto_type_desc(PROTO_W_HELLO);
    assert_string_equal(json_string_value(json_object_get(f0, "name")), d->body->fields[0].name);
    json_object_set_new(f0, "max", json_integer(999));
    assert_int_not_equal(jint(f0, "max"), d->body->fields[0].max);
    json_decref(root);
}

static void test_doc_reference_current(void **state)
{
    (void)state;
    static const char begin[] = "<!-- BEGIN protogen reference -->\n", end[] = "<!-- END protogen reference -->";
    size_t dlen = 0, rlen = 0;
    char *doc = ptest_read_file(DOC, &dlen), *ref = ptest_read_file(REF, &rlen);
    assert_non_null(doc);
    assert_non_null(ref);
    char *b = strstr(doc, begin), *e = b ? strstr(b, end) : NULL;
    if (!b || !e)
        fail_msg("%s lacks the protogen reference markers", DOC);
    b += strlen(begin);
    if ((size_t)(e - b) != strlen(ref) || memcmp(b, ref, strlen(ref)) != 0)
        fail_msg("docs/PROTOCOL.md message reference is stale: replace it with %s", REF);
    free(doc);
    free(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages_match_json),
        cmocka_unit_test(test_structs_match_json),
        cmocka_unit_test(test_checker_detects_difference),
        cmocka_unit_test(test_doc_reference_current),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
