/*
 * test_protogen.c: the generator. Its output is a pure function of the JSON
 * (two runs give identical files, equal to what the build generated), and it
 * refuses a broken definition with a message naming the place: unknown key,
 * duplicate code, missing limit, bad identifier, unknown struct, duplicate
 * field, bad direction, duplicate JSON key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "proto_testlib.h"

#define SCHEMA AIRLOCK_SOURCE_DIR "/schemas/protocol.json"
#define GEN_DIR AIRLOCK_BUILD_DIR "/common/proto"

static char s_dir[] = "/tmp/airlock-protogen-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(s_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = {"in.json", "a.h", "a.c", "a.md", "b.h", "b.c", "b.md", "err.txt"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", s_dir, names[i]);
        unlink(path);
    }
    return rmdir(s_dir);
}

/* Runs protogen on schema into <s_dir>/<tag>.{h,c,md}, stderr to err.txt. Exit status. */
static int run_protogen(const char *schema, const char *tag)
{
    char h[256], c[256], md[256], err[256];
    snprintf(h, sizeof h, "%s/%s.h", s_dir, tag);
    snprintf(c, sizeof c, "%s/%s.c", s_dir, tag);
    snprintf(md, sizeof md, "%s/%s.md", s_dir, tag);
    snprintf(err, sizeof err, "%s/err.txt", s_dir);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(err, "w", stderr))
            _exit(126);
        execl(PROTOGEN_BIN, "protogen", schema, h, c, md, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = ptest_read_file(a, &la), *y = ptest_read_file(b, &lb);
    assert_non_null(x);
    assert_non_null(y);
    if (la != lb || memcmp(x, y, la) != 0)
        fail_msg("%s and %s differ", a, b);
    free(x);
    free(y);
}

static void test_output_is_pure_function(void **state)
{
    (void)state;
    char a[256], b[256];
    assert_int_equal(run_protogen(SCHEMA, "a"), 0);
    assert_int_equal(run_protogen(SCHEMA, "b"), 0);
    static const char *const ext[] = {"h", "c", "md"};
    static const char *const built[] = {GEN_DIR "/proto_gen.h", GEN_DIR "/proto_gen.c", GEN_DIR "/protocol_ref.md"};
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "%s/a.%s", s_dir, ext[i]);
        snprintf(b, sizeof b, "%s/b.%s", s_dir, ext[i]);
        assert_same_file(a, b);
        assert_same_file(a, built[i]);
    }
}

typedef void (*mutate_fn)(json_t *root);

static json_t *hello(json_t *root)
{
    return json_array_get(json_object_get(json_array_get(json_object_get(root, "channels"), 0), "messages"), 0);
}
static json_t *hello_field(json_t *root, size_t i) { return json_array_get(json_object_get(hello(root), "fields"), i); }

static void m_unknown_key(json_t *r) { json_object_set_new(hello(r), "colour", json_string("red")); }
static void m_dup_code(json_t *r) { json_object_set_new(hello(r), "code", json_integer(70)); }
static void m_no_max(json_t *r) { json_object_del(hello_field(r, 0), "max"); }
static void m_max_on_uint(json_t *r) { json_object_set_new(hello_field(r, 1), "max", json_integer(3)); }
static void m_bad_name(json_t *r) { json_object_set_new(hello_field(r, 0), "name", json_string("Worker-Name")); }
static void m_keyword(json_t *r) { json_object_set_new(hello_field(r, 0), "name", json_string("switch")); }
static void m_unknown_struct(json_t *r) { json_object_set_new(hello_field(r, 0), "type", json_string("list<nothing>")); }
static void m_dup_field(json_t *r) { json_object_set_new(hello_field(r, 1), "name", json_string("worker_name")); }
static void m_bad_dir(json_t *r) { json_object_set_new(hello(r), "dir", json_string("sideways")); }
static void m_no_item_max(json_t *r) { json_object_del(hello_field(r, 2), "item_max"); }
static void m_msg_lower(json_t *r) { json_object_set_new(hello(r), "name", json_string("hello")); }

static void expect_refused(mutate_fn fn, const char *needle)
{
    char in[256], err[256];
    json_error_t jerr;
    json_t *root = json_load_file(SCHEMA, 0, &jerr);
    assert_non_null(root);
    fn(root);
    snprintf(in, sizeof in, "%s/in.json", s_dir);
    assert_int_equal(json_dump_file(root, in, JSON_INDENT(1)), 0);
    json_decref(root);
    assert_int_not_equal(run_protogen(in, "a"), 0);
    snprintf(err, sizeof err, "%s/err.txt", s_dir);
    size_t len = 0;
    char *msg = ptest_read_file(err, &len);
    assert_non_null(msg);
    if (!strstr(msg, needle))
        fail_msg("protogen said \"%s\", expected it to mention \"%s\"", msg, needle);
    free(msg);
    assert_int_not_equal(access(in, F_OK), -1);
    char out[256];
    snprintf(out, sizeof out, "%s/a.h", s_dir);
    assert_int_equal(access(out, F_OK), -1); /* no half-written output is left */
}

static void test_refuses_broken_definitions(void **state)
{
    (void)state;
    expect_refused(m_unknown_key, "unknown key \"colour\"");
    expect_refused(m_dup_code, "code 70 is used twice");
    expect_refused(m_no_max, "HELLO.worker_name: \"max\"");
    expect_refused(m_max_on_uint, "HELLO.slots: \"max\"");
    expect_refused(m_bad_name, "lower_case");
    expect_refused(m_keyword, "not a C keyword");
    expect_refused(m_unknown_struct, "names no struct");
    expect_refused(m_dup_field, "HELLO.worker_name: duplicate field name");
    expect_refused(m_bad_dir, "\"dir\" must be");
    expect_refused(m_no_item_max, "HELLO.drivers: \"item_max\"");
    expect_refused(m_msg_lower, "UPPER_CASE");
}

static void test_refuses_duplicate_json_key(void **state)
{
    (void)state;
    char in[256];
    snprintf(in, sizeof in, "%s/in.json", s_dir);
    FILE *f = fopen(in, "w");
    assert_non_null(f);
    fputs("{\"protocol\": \"airlock\", \"version\": 1, \"version\": 2}\n", f);
    fclose(f);
    assert_int_not_equal(run_protogen(in, "a"), 0);
    assert_int_not_equal(run_protogen(AIRLOCK_SOURCE_DIR "/no/such/file.json", "a"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_is_pure_function),
        cmocka_unit_test(test_refuses_broken_definitions),
        cmocka_unit_test(test_refuses_duplicate_json_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
