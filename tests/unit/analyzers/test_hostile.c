/*
 * test_hostile.c: hostile and malformed patches through every analyzer core:
 * random bytes, a 1 MiB line, NUL bytes, endless continuations, unterminated
 * quotes and triple-quoted strings, broken and oversized hunk headers, badly
 * quoted and over-long paths, thousands of files. Every scan must finish with
 * 0 (memory errors are caught by the ASan/UBSan build), be deterministic,
 * keep every finding inside the output contract, and still find the secret
 * hidden at the end of a huge line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers.h"

typedef struct {
    size_t n;
    size_t bad;
    int saw_aws;
} tally_t;

static int tally(void *ud, const an_finding_t *f)
{
    tally_t *t = ud;
    t->n++;
    if (!f->rule_id || !f->message || !f->file || f->evidence_len > AN_EVIDENCE_MAX ||
        (f->evidence_len && !f->evidence) || (unsigned)f->severity > AN_SEV_CRITICAL)
        t->bad++;
    if (f->rule_id && strcmp(f->rule_id, "secrets.aws_access_key") == 0)
        t->saw_aws = 1;
    return 0;
}

/* Runs every analyzer twice; returns the findings of the secrets analyzer. */
static tally_t run_all(const char *buf, size_t len)
{
    tally_t secrets = {0};
    for (size_t a = 0; a < analyzer_entries_count; a++) {
        tally_t t1 = {0}, t2 = {0};
        assert_int_equal(an_run_patch(analyzer_entries[a].analyzer, buf, len, tally, &t1), 0);
        assert_int_equal(an_run_patch(analyzer_entries[a].analyzer, buf, len, tally, &t2), 0);
        assert_int_equal(t1.n, t2.n);
        assert_int_equal(t1.bad, 0);
        if (strcmp(analyzer_entries[a].name, "secrets") == 0)
            secrets = t1;
    }
    return secrets;
}

static uint64_t s_rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static void test_random_bytes(void **s)
{
    static const char *const pieces[] = {
        "diff --git a/x b/x\n", "--- a/x\n", "+++ b/x\n", "@@ -1,3 +1,4 @@\n", "+", "-", " ",
        "\n", "\"", "'", "'''", "\\", "$(", "`", "|", " sh", "curl ", "rm -rf /", "AKIA",
        "new file mode 120000\n", "old mode 100644\n", "new mode 160000\n", "rename from ",
        "\"a/\\377\\", "${{ github.event.x }}", "uses: a/b@v1", "eval(", "yaml.load(",
        "password = '", "-----BEGIN ", "\0", "\r\n", "run: |\n", "  ", "#!/bin/sh\n",
    };
    size_t np = sizeof pieces / sizeof pieces[0];
    char *buf = malloc(1 << 16);
    (void)s;
    assert_non_null(buf);
    for (int round = 0; round < 300; round++) {
        size_t len = 0;
        while (len < (1 << 16) - 64) {
            uint64_t r = rnd();
            if (r % 3 == 0) {
                buf[len++] = (char)(r >> 8);
            } else {
                const char *p = pieces[(r >> 8) % np];
                size_t m = p[0] ? strlen(p) : 1;
                memcpy(buf + len, p, m);
                len += m;
            }
            if ((r >> 40) % 97 == 0)
                break;
        }
        run_all(buf, len);
    }
    free(buf);
}

static void test_huge_line_secret_at_end(void **s)
{
    size_t pad = 1u << 20;
    const char *hdr = "diff --git a/a.sh b/a.sh\nnew file mode 100644\n--- /dev/null\n"
                      "+++ b/a.sh\n@@ -0,0 +1 @@\n+";
    const char *tail = " KEY=AKIAQ3EGUJ7ZK5RVPX2M\n";
    size_t hl = strlen(hdr), tl = strlen(tail);
    char *buf = malloc(hl + pad + tl);
    tally_t t;
    (void)s;
    assert_non_null(buf);
    memcpy(buf, hdr, hl);
    for (size_t i = 0; i < pad; i++)
        buf[hl + i] = "a \\'\"|$(x=:-"[i % 12];
    memcpy(buf + hl + pad, tail, tl);
    t = run_all(buf, hl + pad + tl);
    assert_true(t.saw_aws);
    free(buf);
}

static void test_malformed_headers(void **s)
{
    static const char *const cases[] = {
        "@@ -99999999999999999999,1 +1 @@\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "diff --git \"a/unterminated\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "diff --git a/x b/x\nnew file mode 777777777777777777777\n+++ b/x\n@@ -0,0 +1 @@\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "--- a/x\n+++ b/x\n@@ -1,0 +1,0 @@\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "+AKIAQ3EGUJ7ZK5RVPX2M",
        "diff --git a/x b/x\n@@ -1 +1 @@\n\\ No newline\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
    };
    (void)s;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tally_t t = run_all(cases[i], strlen(cases[i]));
        if (!t.saw_aws)
            fail_msg("case %zu: the added key was not seen", i);
    }
}

static void test_long_paths_and_many_files(void **s)
{
    size_t cap = 8u << 20, len = 0;
    char *buf = malloc(cap);
    char path[5000];
    (void)s;
    assert_non_null(buf);
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    len += (size_t)snprintf(buf + len, cap - len, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n"
                            "@@ -1 +1 @@\n-a\n+b\n", path, path, path, path);
    for (int i = 0; i < 20000 && len + 256 < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "diff --git a/f%d b/f%d\nnew file mode 120000\n--- /dev/null\n"
                                "+++ b/f%d\n@@ -0,0 +1 @@\n+../../x%d\n", i, i, i, i);
    run_all(buf, len);
    free(buf);
}

static void test_endless_continuation_and_strings(void **s)
{
    size_t n = 200000, len = 0;
    char *buf = malloc(n * 8 + 256);
    (void)s;
    assert_non_null(buf);
    len += (size_t)sprintf(buf, "--- a/x.sh\n+++ b/x.sh\n@@ -0,0 +1,%zu @@\n", n);
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + len, i % 2 ? "+a '\\\n" : "+\"\"\"\\\n", 6);
        len += 6;
    }
    run_all(buf, len);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_huge_line_secret_at_end),
        cmocka_unit_test(test_malformed_headers),
        cmocka_unit_test(test_long_paths_and_many_files),
        cmocka_unit_test(test_endless_continuation_and_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
