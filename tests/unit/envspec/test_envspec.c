/*
 * test_envspec.c: environment specs against tests/corpus/environments
 * (valid/ accepted, invalid/ refused with the expected message), defaults,
 * the canonical form (stable, name-free for the digest) and the digest
 * itself against an independent computation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/digest.h"
#include "common/envspec/envspec.h"
#include "common/error.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORPUS AIRLOCK_SOURCE_DIR "/tests/corpus/environments"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    if (len)
        *len = n;
    return buf;
}

static int is_json(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static int each(const char *dir, void (*fn)(const char *name, const char *path))
{
    struct dirent **ents;
    int n = scandir(dir, &ents, is_json, alphasort);
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
        fn(ents[i]->d_name, path);
        free(ents[i]);
    }
    free(ents);
    return n;
}

static void accept_one(const char *name, const char *path)
{
    size_t len;
    char *doc = slurp(path, &len);
    envspec_t *s = NULL;
    if (envspec_parse(doc, len, &s) != 0)
        fail_msg("%s refused: %s", name, al_err_msg());
    /* canonical JSON parses back to the same canonical JSON */
    char *a = envspec_canonical(s, 1);
    envspec_t *t = NULL;
    assert_int_equal(envspec_parse(a, strlen(a), &t), 0);
    char *b = envspec_canonical(t, 1);
    assert_string_equal(a, b);
    free(a), free(b), free(doc);
    envspec_destroy(&s);
    envspec_destroy(&t);
    assert_null(s);
}

static void refuse_one(const char *name, const char *path)
{
    char expect_path[620];
    snprintf(expect_path, sizeof expect_path, "%.*s.expect", (int)strlen(path) - 5, path);
    char *expect = slurp(expect_path, NULL), *doc;
    size_t len;
    expect[strcspn(expect, "\n")] = '\0';
    doc = slurp(path, &len);
    envspec_t *s = NULL;
    int rc = envspec_parse(doc, len, &s);
    if (rc != AL_EINVAL || s)
        fail_msg("%s: expected refusal, got %d", name, rc);
    if (!strstr(al_err_msg(), expect))
        fail_msg("%s: message '%s' lacks '%s'", name, al_err_msg(), expect);
    free(expect), free(doc);
}

static void test_corpus(void **state)
{
    (void)state;
    assert_true(each(CORPUS "/valid", accept_one) >= 5);
    assert_true(each(CORPUS "/invalid", refuse_one) >= 20);
}

static envspec_t *parse(const char *doc)
{
    envspec_t *s = NULL;
    if (envspec_parse(doc, strlen(doc), &s) != 0)
        fail_msg("refused: %s", al_err_msg());
    return s;
}

static void test_defaults_and_canonical(void **state)
{
    (void)state;
    envspec_t *s = parse("{\"env\":{\"B\":\"2\",\"A\":\"1\"},\"name\":\"x\"}");
    char *c = envspec_canonical(s, 1);
    assert_string_equal(c, "{\"components\":[\"main\"],\"env\":{\"A\":\"1\",\"B\":\"2\"},"
                           "\"mirror\":\"http://deb.debian.org/debian\",\"name\":\"x\",\"packages\":[],"
                           "\"setup\":[],\"suite\":\"bookworm\",\"user\":\"sandbox\",\"variant\":\"minbase\"}");
    free(c);
    c = envspec_canonical(s, 0);
    assert_null(strstr(c, "\"name\""));
    free(c);
    envspec_destroy(&s);
    s = parse("{\"name\":\"y\",\"snapshot\":\"20250520T000000Z\"}");
    assert_string_equal(envspec_mirror_url(s), "http://snapshot.debian.org/archive/debian/20250520T000000Z");
    envspec_destroy(&s);
}

/* The digest is sha256("airlock-env-v1\n" + canonical-without-name + "\n" +
 * tree hex), computed here independently; renaming keeps it, any other
 * change moves it. */
static void test_digest(void **state)
{
    (void)state;
    const char *tree = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    envspec_t *a = parse("{\"name\":\"a\",\"packages\":[\"make\"]}");
    envspec_t *b = parse("{\"name\":\"b\",\"packages\":[\"make\"]}");
    envspec_t *c = parse("{\"name\":\"a\",\"packages\":[\"make\",\"gcc\"]}");
    char da[ENVSPEC_DIGEST_LEN + 1], db[ENVSPEC_DIGEST_LEN + 1], dc[ENVSPEC_DIGEST_LEN + 1];
    assert_int_equal(envspec_digest(a, tree, da), 0);
    assert_int_equal(envspec_digest(b, tree, db), 0);
    assert_int_equal(envspec_digest(c, tree, dc), 0);
    assert_string_equal(da, db);
    assert_string_not_equal(da, dc);
    assert_true(envspec_is_digest(da));
    char *canon = envspec_canonical(a, 0), buf[4096], want[AL_SHA256_HEX_LEN + 1];
    int n = snprintf(buf, sizeof buf, "airlock-env-v1\n%s\n%s", canon, tree);
    assert_int_equal(al_sha256_hex(buf, (size_t)n, want), 0);
    assert_string_equal(da + 7, want);
    assert_int_equal(envspec_digest(a, "not-hex", da), AL_EINVAL);
    /* what workers receive is the nameless canonical form: it digests the same */
    envspec_t *w = NULL;
    assert_int_equal(envspec_parse(canon, strlen(canon), &w), AL_EINVAL);
    assert_int_equal(envspec_parse_nameless(canon, strlen(canon), &w), 0);
    assert_int_equal(envspec_digest(w, tree, dc), 0);
    assert_string_equal(dc, da);
    envspec_destroy(&w);
    free(canon);
    envspec_destroy(&a), envspec_destroy(&b), envspec_destroy(&c);
}

static void test_refs(void **state)
{
    (void)state;
    assert_true(envspec_name_valid("py3.11-pytest"));
    assert_false(envspec_name_valid("-x"));
    assert_false(envspec_name_valid(""));
    assert_true(envspec_is_digest("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(envspec_is_digest("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(envspec_is_digest("sha256:01"));
    assert_int_equal(envspec_parse("{\"name\":\"x\"", 12, &(envspec_t *){ NULL }), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "not valid JSON"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_defaults_and_canonical),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_refs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
