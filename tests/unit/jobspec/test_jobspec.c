/*
 * test_jobspec.c: the job spec validator against the corpus in
 * tests/corpus/jobs (valid/ accepted, invalid/ rejected with the expected
 * message), defaults, canonical JSON round trip, limits and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/error.h"
#include "common/jobspec/jobspec.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CORPUS AIRLOCK_SOURCE_DIR "/tests/corpus/jobs"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

static int is_json(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static void check_roundtrip(const jobspec_t *j)
{
    char *a = jobspec_to_json(j);
    assert_non_null(a);
    jobspec_t *k = NULL;
    assert_int_equal(jobspec_parse(a, strlen(a), &k), 0);
    char *b = jobspec_to_json(k);
    assert_string_equal(a, b);
    free(a);
    free(b);
    jobspec_destroy(&k);
    assert_null(k);
}

/* Calls fn(name, doc, len, dir_path) for every corpus file of dir; returns the count. */
static int corpus_each(const char *dir, void (*fn)(const char *, const char *, size_t, const char *))
{
    struct dirent **ents;
    int n = scandir(dir, &ents, is_json, alphasort);
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        char path[512];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
        char *doc = slurp(path, &len);
        fn(ents[i]->d_name, doc, len, path);
        free(doc);
        free(ents[i]);
    }
    free(ents);
    return n;
}

static void accept_one(const char *name, const char *doc, size_t len, const char *path)
{
    jobspec_t *j = NULL;
    if (jobspec_parse(doc, len, &j) != 0)
        fail_msg("%s rejected: %s", name, al_err_msg());
    check_roundtrip(j);
    jobspec_destroy(&j);
}

static void reject_one(const char *name, const char *doc, size_t len, const char *path)
{
    char expect_path[520];
    snprintf(expect_path, sizeof expect_path, "%.*s.expect", (int)strlen(path) - 5, path);
    char *expect = slurp(expect_path, NULL);
    expect[strcspn(expect, "\n")] = '\0';
    assert_true(expect[0] != '\0');
    jobspec_t *j = NULL;
    int rc = jobspec_parse(doc, len, &j);
    if (rc != AL_EINVAL || j)
        fail_msg("%s: expected rejection, got rc=%d", name, rc);
    if (!strstr(al_err_msg(), expect))
        fail_msg("%s: message '%s' lacks '%s'", name, al_err_msg(), expect);
    free(expect);
}

static void test_corpus_valid(void **state)
{
    assert_true(corpus_each(CORPUS "/valid", accept_one) >= 5);
}

static void test_corpus_invalid(void **state)
{
    assert_true(corpus_each(CORPUS "/invalid", reject_one) >= 30);
}

static jobspec_t *parse_ok(const char *doc)
{
    jobspec_t *j = NULL;
    if (jobspec_parse(doc, strlen(doc), &j) != 0)
        fail_msg("rejected: %s", al_err_msg());
    return j;
}

/* patch_b64 carries a diff that is not UTF-8 (a file in Latin-1): decoded
 * into patch (its bytes), emitted as patch_b64 (JSON cannot hold the bytes),
 * the round trip equal; a patch_b64 that decodes to UTF-8 is that patch. */
static void test_patch_b64(void **state)
{
    (void)state;
#define MIN "\"repo\":\"/r\",\"base\":\"main\",\"test\":\"t\""
    static const char latin1[] = "--- a/a.c\n+++ b/a.c\n@@ -1 +1 @@\n-/* J\xfcrgen */\n+/* J\xfcrgen K. */\n";
    jobspec_t *j = parse_ok("{" MIN ",\"patch_b64\":\"LS0tIGEvYS5jCisrKyBiL2EuYwpAQCAtMSArMSBAQAotLyogSvxy"
                            "Z2VuICovCisvKiBK/HJnZW4gSy4gKi8K\"}");
    assert_int_equal(j->patch_len, sizeof latin1 - 1);
    assert_memory_equal(j->patch, latin1, sizeof latin1 - 1);
    char *s = jobspec_to_json(j);
    assert_non_null(s);
    assert_non_null(strstr(s, "\"patch_b64\":\"LS0t"));
    assert_null(strstr(s, "\"patch\":"));
    free(s);
    check_roundtrip(j);
    jobspec_destroy(&j);
    j = parse_ok("{" MIN ",\"patch_b64\":\"LS0tIGEvYS5jCg==\",\"patch\":\"\"}");   /* UTF-8: the same as patch */
    assert_string_equal(j->patch, "--- a/a.c\n");
    assert_null(j->patch_b64);
    s = jobspec_to_json(j);
    assert_non_null(strstr(s, "\"patch\":\"--- a/a.c\\n\""));
    assert_null(strstr(s, "patch_b64"));
    free(s);
    jobspec_destroy(&j);
    static const char *const bad[][2] = {
        { "{" MIN ",\"patch\":\"x\",\"patch_b64\":\"LS0t\"}", "give one" },
        { "{" MIN ",\"patch_b64\":\"LS0tIGEvYS5jCg\"}", "base64" },         /* unpadded */
        { "{" MIN ",\"patch_b64\":\"LS0t\\nIGEv\"}", "base64" },          /* a line break */
        { "{" MIN ",\"patch_b64\":\"YQBi\"}", "NUL" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (jobspec_parse(bad[i][0], strlen(bad[i][0]), &j) == 0 || !strstr(al_err_msg(), bad[i][1]))
            fail_msg("case %zu: expected an error with '%s', got '%s'", i, bad[i][1], j ? "accepted" : al_err_msg());
        jobspec_destroy(&j);
    }
#undef MIN
}

static void test_defaults(void **state)
{
    jobspec_t *j = parse_ok("{\"repo\":\"/r\",\"base\":\"main\",\"test\":\"make test\"}");
    assert_string_equal(j->patch, "");
    assert_int_equal(j->patch_len, 0);
    assert_int_equal(j->run.n, 0);
    assert_int_equal(j->test.kind, JOBSPEC_CMD_SHELL);
    assert_int_equal(j->test.argc, 3);
    assert_string_equal(j->test.argv[0], "/bin/sh");
    assert_string_equal(j->test.argv[1], "-c");
    assert_string_equal(j->test.argv[2], "make test");
    assert_null(j->test.argv[3]);
    assert_int_equal(j->policy.write_paths.n, 1);
    assert_string_equal(j->policy.write_paths.items[0], "**");
    size_t nprot = 0;
    while (jobspec_default_protected[nprot])
        nprot++;
    assert_true(nprot >= 40); /* CI, automation and hook managers beyond GitHub's (issue 10) */
    assert_int_equal(j->policy.protected_paths.n, nprot);
    assert_string_equal(j->policy.protected_paths.items[0], ".github/**");
    assert_int_equal(j->policy.egress.n, 0);
    assert_int_equal(j->policy.egress_phase, JOBSPEC_PHASE_RUN);
    assert_int_equal(j->policy.block_at, JOBSPEC_SEV_HIGH);
    assert_int_equal(j->policy.limits.vcpus, 1);
    assert_int_equal(j->policy.limits.memory_mb, 1024);
    assert_int_equal(j->policy.limits.timeout_s, 600);
    assert_int_equal(j->policy.limits.max_output_bytes, 16 << 20);
    assert_int_equal(j->policy.limits.max_procs, 256);
    assert_int_equal(j->policy.limits.disk_mb, 2048);
    assert_int_equal(j->policy.analyzers.n, 6);
    assert_string_equal(j->policy.analyzers.items[5], "unicode");
    assert_int_equal(j->driver, JOBSPEC_DRIVER_ANY);
    assert_int_equal(j->policy.min_isolation, JOBSPEC_ISO_NONE);
    assert_int_equal(j->labels.n, 0);
    assert_null(j->idempotency_key);
    assert_true(jobspec_path_writable(j, "src/main.c"));
    assert_false(jobspec_path_writable(j, ".github/workflows/ci.yml"));
    assert_false(jobspec_path_writable(j, ".git/config"));
    assert_false(jobspec_path_writable(j, "sub/.git"));
    assert_false(jobspec_path_writable(j, "docs/CODEOWNERS"));
    assert_false(jobspec_path_writable(j, ".husky/pre-commit"));
    char *s = jobspec_to_json(j);
    assert_non_null(strstr(s, "\"egress_phase\":\"run\""));
    assert_non_null(strstr(s, "\"block_at\":\"high\""));
    assert_non_null(strstr(s, "\"timeout_s\":600"));
    assert_null(strstr(s, "idempotency_key"));
    free(s);
    jobspec_destroy(&j);
    jobspec_destroy(&j); /* NULL-safe */
    jobspec_destroy(NULL);
}

static void test_values(void **state)
{
    jobspec_t *j = parse_ok(
        "{\"repo\":\"file:///r\",\"base\":\"v1.2\",\"test\":[\"pytest\",\"-q\",\"\"],"
        "\"run\":[\"make\",[\"cc\",\"x.c\"]],"
        "\"policy\":{\"egress\":[\"PyPI.Org\",\"*.Example.COM\",\"[2001:DB8:0:0::1]\",\"127.0.0.1\"],"
        "\"block_at\":\"critical\",\"write_paths\":[\"src/**\"]},"
        "\"labels\":{\"z\":\"1\",\"a\":\"2\"},\"idempotency_key\":\"k-1\"}");
    assert_int_equal(j->test.kind, JOBSPEC_CMD_ARGV);
    assert_int_equal(j->test.argc, 3);
    assert_string_equal(j->test.argv[2], "");
    assert_null(j->test.argv[3]);
    assert_int_equal(j->run.n, 2);
    assert_int_equal(j->run.items[1].kind, JOBSPEC_CMD_ARGV);
    assert_string_equal(j->policy.egress.items[0], "pypi.org");
    assert_string_equal(j->policy.egress.items[1], "*.example.com");
    assert_string_equal(j->policy.egress.items[2], "2001:db8::1");
    assert_string_equal(j->policy.egress.items[3], "127.0.0.1");
    assert_string_equal(j->labels.items[0].key, "a");
    assert_string_equal(j->labels.items[1].key, "z");
    assert_string_equal(j->idempotency_key, "k-1");
    assert_int_equal(j->policy.block_at, JOBSPEC_SEV_CRITICAL);
    assert_true(jobspec_path_writable(j, "src/a/b.c"));
    assert_false(jobspec_path_writable(j, "README.md"));
    check_roundtrip(j);
    jobspec_destroy(&j);
    int sev = -1;
    assert_int_equal(jobspec_severity_parse("medium", &sev), 0);
    assert_int_equal(sev, JOBSPEC_SEV_MEDIUM);
    assert_int_equal(jobspec_severity_parse("severe", &sev), AL_EINVAL);
    assert_string_equal(jobspec_phase_name(JOBSPEC_PHASE_BOTH), "both");
    assert_string_equal(jobspec_driver_name(JOBSPEC_DRIVER_NS), "ns");
    assert_string_equal(jobspec_driver_name(JOBSPEC_DRIVER_GVISOR), "gvisor");
}

/* min_isolation: ranked weakest first, a pinned driver may not be below it. */
static void test_min_isolation(void **state)
{
    const char *names[] = { "none", "ns", "gvisor", "vm", "kvm" };
    for (int i = 0; i < 5; i++) {
        int v = -1;
        assert_string_equal(jobspec_isolation_name(i), names[i]);
        assert_int_equal(jobspec_isolation_parse(names[i], &v), 0);
        assert_int_equal(v, i);
    }
    int v;
    assert_int_equal(jobspec_isolation_parse("tcg", &v), AL_EINVAL);
    assert_int_equal(jobspec_isolation_parse(NULL, &v), AL_EINVAL);
    jobspec_t *j = parse_ok("{\"repo\":\"/r\",\"base\":\"main\",\"test\":\"t\",\"driver\":\"microvm\","
                            "\"policy\":{\"min_isolation\":\"kvm\"}}");
    assert_int_equal(j->policy.min_isolation, JOBSPEC_ISO_KVM);
    char *s = jobspec_to_json(j);
    assert_non_null(strstr(s, "\"min_isolation\":\"kvm\""));
    free(s);
    check_roundtrip(j);
    jobspec_destroy(&j);
    j = parse_ok("{\"repo\":\"/r\",\"base\":\"main\",\"test\":\"t\",\"driver\":\"gvisor\","
                 "\"policy\":{\"min_isolation\":\"gvisor\"}}");
    assert_int_equal(j->driver, JOBSPEC_DRIVER_GVISOR);
    jobspec_destroy(&j);
    const char *bad = "{\"repo\":\"/r\",\"base\":\"main\",\"test\":\"t\",\"driver\":\"gvisor\","
                      "\"policy\":{\"min_isolation\":\"vm\"}}";
    assert_int_equal(jobspec_parse(bad, strlen(bad), &j), AL_EINVAL);
    assert_null(j);
    assert_non_null(strstr(al_err_msg(), "stronger than driver 'gvisor'"));
}

static void test_limits(void **state)
{
    jobspec_t *j = NULL;
    assert_int_equal(jobspec_parse(NULL, 0, &j), AL_EINVAL);
    assert_int_equal(jobspec_parse("{}", JOBSPEC_MAX_JSON + 1, &j), AL_ELIMIT);
    assert_null(j);
    /* a patch one byte over the bound, and one exactly at it */
    size_t n = JOBSPEC_MAX_PATCH + 1;
    char *doc = malloc(n + 128);
    assert_non_null(doc);
    for (int over = 1; over >= 0; over--) {
        int len = sprintf(doc, "{\"repo\":\"/r\",\"base\":\"main\",\"test\":\"t\",\"patch\":\"");
        memset(doc + len, 'x', n - (size_t)(over ? 0 : 1));
        len += (int)(n - (size_t)(over ? 0 : 1));
        len += sprintf(doc + len, "\"}");
        int rc = jobspec_parse(doc, (size_t)len, &j);
        if (over) {
            assert_int_equal(rc, AL_EINVAL);
            assert_non_null(strstr(al_err_msg(), "patch: length must be between 0 and 4194304"));
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(j->patch_len, JOBSPEC_MAX_PATCH);
            jobspec_destroy(&j);
        }
    }
    free(doc);
}

/* Every truncation and every single-byte corruption of a full, valid job is
 * either accepted or rejected with a message: never a crash or a leak. */
static void test_mutations(void **state)
{
    size_t len;
    char *doc = slurp(CORPUS "/valid/full.json", &len);
    static const char subst[] = { '"', '{', '}', '[', ']', ':', ',', '0', '\\', 'x', '\x01', (char)0xff };
    char *buf = malloc(len);
    for (size_t cut = 0; cut + 2 < len; cut++) { /* file ends "}\n" */
        jobspec_t *j = NULL;
        int rc = jobspec_parse(doc, cut, &j);
        assert_true(rc == AL_EINVAL && j == NULL && al_err_msg()[0] != '\0');
    }
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < sizeof subst; k++) {
            jobspec_t *j = NULL;
            memcpy(buf, doc, len);
            buf[i] = subst[k];
            int rc = jobspec_parse(buf, len, &j);
            assert_true((rc == 0 && j) || (rc == AL_EINVAL && !j));
            jobspec_destroy(&j);
        }
    free(buf);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_valid),
        cmocka_unit_test(test_corpus_invalid),
        cmocka_unit_test(test_min_isolation),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_patch_b64),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
