/*
 * test_pipeline.c: issue 5's "Done when" with real processes: a private
 * PostgreSQL, airlockd, an airlock-worker with the ns sandbox driver, the
 * airlock CLI, git repositories built here, the real analyzer plugins plus two
 * broken ones (plsegv, plloop). Every assertion reads PostgreSQL.
 *
 * One cluster and one worker serve the whole group, jobs run one at a time, and
 * after each job the worker's state_dir/t/ is empty and it has no descendant
 * process left (sandboxes, plugin children, commands). The audit tampering
 * case runs last: it breaks the chain on purpose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plcluster.h"
#include "pg_harness.h"
#include "common/error.h"
#include "worker/sandbox/sandbox.h"

#define AWS_KEY "AKIAZ7QWERTYUIOPLMNB"

typedef struct {
    cluster_t *c;
    pl_worker_t w;
    pl_worker_t vm;          /* microvm worker, only during its own case */
    char repo[400];
    char plugins[400];
} group_t;

static group_t g;
/* The main worker's driver: ns, or PIPELINE_DRIVER (gvisor for test_pipeline_gvisor). */
static const char *s_driver = "ns";
static pl_worker_t *s_cur = &g.w;   /* the worker expected to run the next job */

/* ---- fixture ------------------------------------------------------------ */

static int s_make_repo(void)
{
    snprintf(g.repo, sizeof g.repo, "%s/pyrepo", cluster_dir(g.c));
    return pl_sh("set -e; mkdir -p '%s'; cd '%s'; git init -q; "
                 "printf 'def add(a, b):\\n    return a + b\\n' > calc.py; "
                 "printf 'import calc\\nassert calc.add(2, 2) == 4\\nprint(\"ok\")\\n' > test_calc.py; "
                 "printf 'all:\\n\\tpython3 test_calc.py\\n' > Makefile; "
                 "printf 'out/\\n' > .gitignore; mkdir -p src; printf 'x = 1\\n' > src/mod.py; "
                 "git add .; git -c user.email=t@example.org -c user.name=test commit -qm init",
                 g.repo, g.repo);
}

/* <cluster>/plugins: the real analyzers plus the broken test ones. */
static int s_make_plugins(void)
{
    snprintf(g.plugins, sizeof g.plugins, "%s/plugins", cluster_dir(g.c));
    return pl_sh("set -e; mkdir -p '%s'; for f in '%s'/*.so '%s'/*.so; do ln -sf \"$f\" '%s'/; done",
                 g.plugins, AIRLOCK_PLUGIN_DIR, PL_TEST_PLUGIN_DIR, g.plugins);
}

static int group_setup(void **state)
{
    (void)state;
    cluster_opts_t o = { .workers = 0, .slots = 1, .heartbeat_ms = 200, .lease_ms = 30000 };
    int rc = cluster_start(&g.c, &o);
    if (rc == AL_OK)
        rc = s_make_repo();
    if (rc == AL_OK)
        rc = s_make_plugins();
    if (rc == AL_OK)
        rc = pl_worker_start(g.c, &g.w, "pw0", s_driver, g.plugins, "pool=pipeline,zone=test");
    if (rc != AL_OK) {
        fprintf(stderr, "pipeline group setup: %s\n", al_err_msg());
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

/* ---- jobs ----------------------------------------------------------------- */

/* A job on g.repo; run may be NULL; policy is stolen (NULL = analyzers default). */
static json_t *s_job(const char *name, const char *patch, json_t *run, const char *test, json_t *policy)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "repo", g.repo, "base", "HEAD",
                          "patch", patch ? patch : "", "test", test, "driver", s_driver, "labels",
                          "case", name);
    if (run)
        json_object_set_new(j, "run", run);
    if (policy)
        json_object_set_new(j, "policy", policy);
    return j;
}

/* The worker's processes that are neither its own nor the pool's, once they
 * settle: a pool refill caught between fork and exec has no pool path yet
 * and counts for a moment; a task's leftover stays (5 s). */
static int s_descendants(const pl_worker_t *w)
{
    int n = pl_worker_descendants(w);
    for (int i = 0; n && i < 50; i++) {
        usleep(100 * 1000);
        n = pl_worker_descendants(w);
    }
    return n;
}

/* Submits, waits, checks the verdict and that the task left nothing behind. Returns the job id. */
static char *s_run_job(const char *name, json_t *job, const char *want_verdict)
{
    char *id = pl_submit(g.c, name, job);
    json_decref(job);
    if (!id)
        fail_msg("submit %s failed (logs in %s)", name, cluster_dir(g.c));
    char *verdict = pl_wait_verdict(g.c, id);
    if (strcmp(verdict, want_verdict) != 0) {
        char *reason = pl_sql_text(g.c, "SELECT coalesce(reason, '') FROM jobs WHERE id = '%s'", id);
        fail_msg("%s: verdict '%s', want '%s' (reason: %s; logs in %s)", name, verdict, want_verdict,
                 reason ? reason : "?", cluster_dir(g.c));
    }
    free(verdict);
    /* one attempt: a healthy cluster never retries (rows below are per task) */
    char *tasks = pl_sql_text(g.c, "SELECT string_agg(attempt || ':' || state || ':' || coalesce(verdict, '-'), "
                                   "' ') FROM tasks WHERE job_id = '%s'", id);
    if (!tasks || strchr(tasks, ' '))
        fail_msg("%s: attempts %s (logs in %s)", name, tasks ? tasks : "?", cluster_dir(g.c));
    free(tasks);
    assert_int_equal(pl_worker_task_dirs(s_cur), 0);
    assert_int_equal(s_descendants(s_cur), 0);
    assert_int_equal(kill(s_cur->pid, 0), 0);   /* the worker lives on */
    return id;
}

static char *s_task(const char *id)
{
    char *t = pl_sql_text(g.c, "SELECT task_id FROM jobs WHERE id = '%s'", id);
    assert_non_null(t);
    return t;
}

/* Writes `text` to <cluster>/<name>, runs `cmd` (its %s: that path) in g.repo
 * and returns the first line of its output (malloc'd, "" on failure). */
static char *s_git_line(const char *name, const char *text, const char *cmd_fmt)
{
    char path[500], cmd[1400], buf[64] = "";
    snprintf(path, sizeof path, "%s/%s", cluster_dir(g.c), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    int n = snprintf(cmd, sizeof cmd, "cd '%s' && export GIT_INDEX_FILE='%s/scratch.index' && ", g.repo,
                     cluster_dir(g.c));
    snprintf(cmd + n, sizeof cmd - (size_t)n, cmd_fmt, path);
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(buf, sizeof buf, p))
        buf[0] = '\0';
    if (p)
        pclose(p);
    buf[strcspn(buf, "\n")] = '\0';
    return strdup(buf);
}

static char *s_blob(const char *content)
{
    return s_git_line("blob.txt", content, "git hash-object '%s'");
}

/* The tree id of HEAD with `patch` applied (git apply --cached on a scratch index). */
static char *s_tree_of(const char *patch)
{
    return s_git_line("tree.patch", patch, "git read-tree HEAD && git apply --cached '%s' && git write-tree");
}

static void s_assert_reason_has(const char *id, const char *needle)
{
    char *reason = pl_sql_text(g.c, "SELECT coalesce(reason, '') FROM jobs WHERE id = '%s'", id);
    assert_non_null(reason);
    if (!strstr(reason, needle))
        fail_msg("reason '%s' lacks '%s'", reason, needle);
    free(reason);
}

/* ---- cases ---------------------------------------------------------------- */

#define CALC_NEW "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"
#define TEST_MUL "import calc\nassert calc.mul(3, 4) == 12\n"

/* The benign case on `driver` (a job pinned to it): exact file_changes, both
 * sandboxes' exec events and stage_runs, the diff artifact. */
static void s_benign(const char *driver)
{
    char *patch = pl_patch(g.repo, "printf 'def add(a, b):\\n    return a + b\\n\\n\\ndef mul(a, b):\\n"
                                   "    return a * b\\n' > calc.py; "
                                   "printf 'import calc\\nassert calc.mul(3, 4) == 12\\n' > test_mul.py");
    assert_non_null(patch);
    json_t *run = json_pack("[s]", "mkdir -p out && echo built > out/result.txt && python3 -B test_mul.py");
    json_t *job = s_job("benign", patch, run, "python3 test_calc.py && python3 test_mul.py", NULL);
    json_object_set_new(job, "driver", json_string(driver));
    char *id = s_run_job("benign", job, "accepted");
    char *task = s_task(id);
    char *calc_old = s_blob("def add(a, b):\n    return a + b\n");
    char *calc_new = s_blob(CALC_NEW), *mul = s_blob(TEST_MUL), *out = s_blob("built\n");
    /* exactly these file_changes rows (no old side for new paths: NULL) */
    char want[2048], sql[1024];
    snprintf(want, sizeof want,
             "calc.py|modified|33188|33188|%zu|%zu|%s|%s|;"
             "out/result.txt|ignored||33188||6||%s|;"
             "test_mul.py|added||33188||%zu||%s|",
             strlen("def add(a, b):\n    return a + b\n"), strlen(CALC_NEW), calc_old, calc_new, out,
             strlen(TEST_MUL), mul);
    snprintf(sql, sizeof sql,
             "SELECT string_agg(format('%%s|%%s|%%s|%%s|%%s|%%s|%%s|%%s|%%s', path, status, old_mode, "
             "new_mode, old_size, new_size, old_blob, new_blob, violation), ';' ORDER BY path) "
             "FROM file_changes WHERE task_id = '%s'", task);
    char *got = pl_sql_text(g.c, "%s", sql);
    assert_non_null(got);
    assert_string_equal(got, want);
    /* stage_runs for run and test in the ns sandbox, both exit 0 */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage IN "
             "('run', 'test') AND sandbox_driver = '%s' AND exit_status = 0", task, driver);
    assert_int_equal(cluster_sql_long(g.c, sql), 2);
    /* ns and gvisor attach a layered workspace (one shared base tree, an
     * overlay per stage); microvm copies the tree into its disk image */
    snprintf(sql, sizeof sql, "SELECT string_agg(data->>'layered', ',') FROM task_events WHERE task_id = '%s' "
             "AND kind = 'stage.end' AND data->>'stage' = 'workspace'", task);
    char *layered = pl_sql_text(g.c, "%s", sql);
    assert_non_null(layered);
    assert_string_equal(layered, strcmp(driver, "microvm") ? "true" : "false");
    free(layered);
    /* the test stage's sandbox was made while the run stage worked (stage_overlap,
     * on by default; a pooled driver's comes from its pool instead), the run
     * stage's when it began */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM task_events WHERE task_id = '%s' AND kind = "
             "'sandbox.create' AND data->>'stage' = 'test' AND data->>'ahead' = '%s'", task,
             strcmp(driver, "microvm") ? "1" : "0");
    assert_int_equal(cluster_sql_long(g.c, sql), 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM task_events WHERE task_id = '%s' AND "
                                      "kind = 'sandbox.create' AND data->>'stage' = 'run' AND "
                                      "data->>'ahead' = '0'", task), 1);
    /* exec events from both sandboxes: the run's python3 and the test's python3 */
    assert_true(pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s' AND stage = 'run' "
                                 "AND array_to_string(argv, ' ') LIKE '%%test_mul.py%%'", task) >= 1);
    assert_true(pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s' AND stage = 'test' "
                                 "AND array_to_string(argv, ' ') LIKE '%%test_calc.py%%'", task) >= 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s' AND stage = 'test' "
                                      "AND array_to_string(argv, ' ') LIKE '%%mkdir%%'", task), 0);
    /* the diff artifact, its hash and content */
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM artifacts WHERE task_id = '%s' AND kind = 'diff' "
                                      "AND size = octet_length(content) AND encode(sha256, 'hex') = "
                                      "(SELECT data->>'sha256' FROM task_events e WHERE e.task_id = "
                                      "artifacts.task_id AND kind = 'artifact') "
                                      "AND convert_from(content, 'UTF8') LIKE '%%+def mul(a, b):%%' "
                                      "AND convert_from(content, 'UTF8') NOT LIKE '%%result.txt%%'", task), 1);
    /* the result tree is base + patch exactly (the run's ignored output left out) */
    char *tree = s_tree_of(patch);
    char *got_tree = pl_sql_text(g.c, "SELECT summary->>'result_tree' FROM results WHERE job_id = '%s' "
                                      "AND authoritative", id);
    assert_non_null(got_tree);
    assert_string_equal(got_tree, tree);
    free(tree), free(got_tree);
    /* every step in the audit chain with the worker's key and the job's labels */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_log WHERE task_id = '%s' AND actor = '%s' AND "
             "labels->>'case' = 'benign' AND action IN ('event.stage.end', 'event.exec', "
             "'event.file_change', 'event.artifact', 'result.stored')", task, s_cur->key);
    assert_true(cluster_sql_long(g.c, sql) >= 3 + 2 + 3 + 1 + 1);
    char *drv = pl_sql_text(g.c, "SELECT summary->>'driver' FROM results WHERE job_id = '%s' AND authoritative", id);
    assert_non_null(drv);
    assert_string_equal(drv, driver);
    free(drv);
    free(got), free(calc_old), free(calc_new), free(mul), free(out), free(task), free(id), free(patch);
}

static void benign_patch_accepted(void **state)
{
    (void)state;
    s_benign(s_driver);
}

/* The next jobs go to a second worker offering only microvm, started once
 * its pool is full (the cases skip where the driver is unavailable). */
static void s_on_microvm_worker(const char *test)
{
    if (!sandbox_driver_available("microvm")) {
        printf("SKIP %s: microvm driver unavailable here: %s\n", test, al_err_msg());
        skip();
    }
    s_cur = &g.vm;
    if (g.vm.pid > 0)
        return;
    assert_int_equal(pl_worker_start(g.c, &g.vm, "pw1", "microvm", g.plugins, ""), AL_OK);
    /* a microvm-first worker warms the pool of a default job (2 x slots) at start */
    if (pl_worker_log_wait(&g.vm, "event=sandbox.pool.full driver=microvm") != AL_OK)
        fail_msg("%s", al_err_msg());
}

/* The same on microvm, by a second worker offering only that driver. */
static void benign_patch_accepted_microvm(void **state)
{
    (void)state;
    s_on_microvm_worker("benign_patch_accepted_microvm");
    s_benign("microvm");
    /* both stages (run, test) took a ready microVM from the pool */
    assert_int_equal(cluster_sql_long(g.c, "SELECT count(*) FROM task_events WHERE kind = 'sandbox.create' "
                                           "AND data->>'driver' = 'microvm' AND data->>'pool' = 'hit'"), 2);
    assert_int_equal(cluster_sql_long(g.c, "SELECT count(*) FROM task_events WHERE kind = 'sandbox.create' "
                                           "AND data->>'driver' = 'microvm' AND data->>'pool' = 'miss'"), 0);
}

/* A run stage that leaves a workspace bigger than the job's disk: sparse
 * files, which the workspace's file system holds in no blocks, but the
 * result holds their every byte. The same verdict on every driver:
 * resource_exceeded with the reason, never sandbox_error (microvm's export
 * refused it as it read the workspace back) nor accepted (the layered
 * drivers' tmpfs held it). Two files of 40 MiB: each under the disk (64 MiB;
 * one file over it is a command killed by SIGXFSZ on ns and gvisor), both
 * over it. */
static void s_workspace_over_disk(const char *driver)
{
    json_t *pol = json_pack("{s:{s:i}}", "limits", "disk_mb", 64);
    json_t *run = json_pack("[s]", "truncate -s 40M a.bin && truncate -s 40M b.bin");
    json_t *job = s_job("sparse", NULL, run, "true", pol);
    json_object_set_new(job, "driver", json_string(driver));
    char *id = s_run_job("sparse", job, "resource_exceeded");
    s_assert_reason_has(id, "workspace");
    free(id);
}

static void workspace_over_disk_resource_exceeded(void **state)
{
    (void)state;
    s_workspace_over_disk(s_driver);
}

/* A run stage that leaves a path longer than a workspace path may be (4096
 * bytes; GNU mkdir -p makes it one directory at a time): a limit, the same
 * verdict on every driver, never sandbox_error. */
static void s_deep_path(const char *driver)
{
    json_t *run = json_pack("[s]", "d=.; i=0; while [ $i -lt 300 ]; do d=$d/dddddddddddddddd; i=$((i+1)); done; "
                                   "mkdir -p $d");
    json_t *job = s_job("deep", NULL, run, "true", NULL);
    json_object_set_new(job, "driver", json_string(driver));
    char *id = s_run_job("deep", job, "resource_exceeded");
    s_assert_reason_has(id, "path");
    free(id);
}

static void deep_path_resource_exceeded(void **state)
{
    (void)state;
    s_deep_path(s_driver);
}

/* A file name with a byte that is not UTF-8 (Linux and git allow it; text
 * columns and JSON do not): its change and its finding are in the audit
 * trail, the name with U+FFFD and its exact bytes as path_raw_b64. Before,
 * the worker's protocol encoder refused such events (its strings are UTF-8):
 * the change was in the result and nowhere in file_changes, the exec of
 * `touch` was missing too, and so was the stage_runs row of a command whose
 * output held a Latin-1 byte. (A newline in a name is paths.control_chars:
 * rejected.) */
static void s_odd_names(const char *driver)
{
    json_t *run = json_pack("[s]", "touch \"$(printf 'bad\\377name.txt')\" && printf 'J\\374rgen\\n'");
    json_t *job = s_job("odd", NULL, run, "true", NULL);
    json_object_set_new(job, "driver", json_string(driver));
    char *id = s_run_job("odd", job, "accepted");
    char *task = s_task(id);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM file_changes WHERE task_id = '%s' AND path = "
                                      "'bad' || U&'\\FFFD' || 'name.txt' AND status = 'untracked'", task), 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM task_events WHERE task_id = '%s' AND "
                                      "data->>'path_raw_b64' = 'YmFk/25hbWUudHh0'", task), 1);
    /* the command's output held a Latin-1 byte: its stage_runs row is there */
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage = 'run' AND "
                                      "output_redacted LIKE '%%J' || U&'\\FFFD' || 'rgen%%'", task), 1);
    free(task), free(id);
    run = json_pack("[s]", "printf 'AWS_ACCESS_KEY_ID = \"" AWS_KEY "\"\\n' > \"$(printf 'k\\377.py')\"");
    job = s_job("odd-secret", NULL, run, "true", NULL);
    json_object_set_new(job, "driver", json_string(driver));
    id = s_run_job("odd-secret", job, "rejected");
    task = s_task(id);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM findings WHERE task_id = '%s' AND "
                                      "rule_id = 'secrets.aws_access_key' AND file = 'k' || U&'\\FFFD' || '.py'",
                                 task), 1);
    free(task), free(id);
}

static void odd_names_accepted(void **state)
{
    (void)state;
    s_odd_names(s_driver);
}

/* After benign_patch_accepted_microvm, on its worker. */
static void workspace_over_disk_resource_exceeded_microvm(void **state)
{
    (void)state;
    s_on_microvm_worker("workspace_over_disk_resource_exceeded_microvm");
    s_workspace_over_disk("microvm");
}

static void deep_path_resource_exceeded_microvm(void **state)
{
    (void)state;
    s_on_microvm_worker("deep_path_resource_exceeded_microvm");
    s_deep_path("microvm");
}

static void odd_names_accepted_microvm(void **state)
{
    (void)state;
    s_on_microvm_worker("odd_names_accepted_microvm");
    s_odd_names("microvm");
}

/* Also after a failure (a failing assertion leaves the case at once). */
static int microvm_teardown(void **state)
{
    (void)state;
    s_cur = &g.w;
    pl_worker_stop(&g.vm);
    return 0;
}

static void aws_key_rejected_redacted_nothing_run(void **state)
{
    (void)state;
    char *patch = pl_patch(g.repo, "printf 'AWS_ACCESS_KEY_ID = \"" AWS_KEY "\"\\n' > settings.py");
    assert_non_null(patch);
    json_t *run = json_pack("[s]", "touch ran");
    char *id = s_run_job("aws", s_job("aws", patch, run, "true", NULL), "rejected");
    char *task = s_task(id);
    assert_true(pl_sql_long(g.c, "SELECT count(*) FROM findings WHERE task_id = '%s' AND analyzer = 'secrets' "
                                 "AND blocking AND file = 'settings.py' AND evidence_redacted <> ''", task) >= 1);
    /* the full key is nowhere but in the job's own spec, until the sweep masks that too */
    const char *tables[] = { "findings", "task_events", "audit_log", "results", "stage_runs", "artifacts" };
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char sql[300];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s x WHERE x::text LIKE '%%" AWS_KEY "%%'", tables[i]);
        assert_int_equal(cluster_sql_long(g.c, sql), 0);
    }
    /* the search itself works (the same LIKE over a text holding the key) */
    assert_int_equal(cluster_sql_long(g.c, "SELECT count(*) FROM (VALUES ('x" AWS_KEY "y')) v(t) "
                                           "WHERE t LIKE '%" AWS_KEY "%'"), 1);
    /* the job's spec keeps the patch only until airlockd's sweep masks the ended
     * job (sql/0074): then the key is nowhere in the database at all. The sweep
     * runs on airlockd's heartbeat; wait for it with a deadline, not a sleep. */
    long redacted = 0;
    for (int i = 0; i < 1200 && redacted != 1; i++) {
        redacted = pl_sql_long(g.c, "SELECT count(*) FROM jobs WHERE id = '%s' AND spec_redacted", id);
        if (redacted != 1)
            usleep(100 * 1000);
    }
    assert_int_equal(redacted, 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM jobs WHERE id = '%s' AND spec::text LIKE '%%"
                                      AWS_KEY "%%'", id), 0);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM stage_runs WHERE task_id = '%s' "
                                      "AND stage IN ('apply', 'run', 'test')", task), 0);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s'", task), 0);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM file_changes WHERE task_id = '%s'", task), 0);
    free(task), free(id), free(patch);
}

static void curl_sh_in_makefile_rejected(void **state)
{
    (void)state;
    char *patch = pl_patch(g.repo, "printf 'all:\\n\\tcurl -fsSL https://example.com/x.sh | sh\\n' > Makefile");
    assert_non_null(patch);
    char *id = s_run_job("curlsh", s_job("curlsh", patch, NULL, "true", NULL), "rejected");
    char *task = s_task(id);
    assert_true(pl_sql_long(g.c, "SELECT count(*) FROM findings WHERE task_id = '%s' AND analyzer = 'shell' "
                                 "AND blocking AND file = 'Makefile'", task) >= 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s'", task), 0);
    free(task), free(id), free(patch);
}

/* The job's own commands are analyzed too: a clean patch with a run command
 * that pipes a download into a shell is rejected before anything runs. */
static void curl_sh_run_command_rejected(void **state)
{
    (void)state;
    json_t *run = json_pack("[s]", "curl -fsSL https://example.com/install.sh | sh");
    char *id = s_run_job("curlrun", s_job("curlrun", "", run, "true", NULL), "rejected");
    char *task = s_task(id);
    assert_true(pl_sql_long(g.c, "SELECT count(*) FROM findings WHERE task_id = '%s' AND analyzer = 'shell' "
                                 "AND blocking AND file = 'job:run[0]'", task) >= 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s'", task), 0);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM stage_runs WHERE task_id = '%s' "
                                      "AND stage IN ('run', 'test')", task), 0);
    free(task), free(id);
}

static void run_writes_workflow_policy_violation(void **state)
{
    (void)state;
    json_t *run = json_pack("[s]", "mkdir -p .github/workflows && echo 'on: push' > .github/workflows/x.yml");
    char *id = s_run_job("workflow", s_job("workflow", NULL, run, "true", NULL), "policy_violation");
    s_assert_reason_has(id, ".github/workflows/x.yml");
    char *task = s_task(id);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM file_changes WHERE task_id = '%s' AND "
                                      "path = '.github/workflows/x.yml' AND violation = 'protected'", task), 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage = 'test'",
                                 task), 0);
    /* the test sandbox made during the run stage was destroyed unused (and
     * s_run_job found none of the worker's sandbox processes left) */
    char needle[160];
    snprintf(needle, sizeof needle, "event=stage.ahead.unused task=%s", task);
    if (pl_worker_log_wait(s_cur, needle) != AL_OK)
        fail_msg("no '%s' in %s", needle, s_cur->log);
    free(task), free(id);
}

static void run_writes_outside_write_paths_policy_violation(void **state)
{
    (void)state;
    json_t *run = json_pack("[s]", "echo y = 2 >> src/mod.py && echo note > NOTES.txt");
    json_t *pol = json_pack("{s:[s]}", "write_paths", "src/**");
    char *id = s_run_job("outside", s_job("outside", NULL, run, "true", pol), "policy_violation");
    s_assert_reason_has(id, "NOTES.txt");
    char *task = s_task(id);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM file_changes WHERE task_id = '%s' AND "
                                      "path = 'NOTES.txt' AND violation IS NOT NULL", task), 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM file_changes WHERE task_id = '%s' AND "
                                      "path = 'src/mod.py' AND violation IS NULL", task), 1);
    free(task), free(id);
}

static void s_symlink_refused(const char *name, const char *target)
{
    char change[300];
    snprintf(change, sizeof change, "ln -s '%s' link", target);
    char *patch = pl_patch(g.repo, change);
    assert_non_null(patch);
    json_t *run = json_pack("[s]", "touch ran");
    /* the paths analyzer would reject first: leave it out to reach apply */
    json_t *pol = json_pack("{s:[s]}", "analyzers", "secrets");
    char *id = s_run_job(name, s_job(name, patch, run, "true", pol), "policy_violation");
    s_assert_reason_has(id, "refused at apply");
    s_assert_reason_has(id, "link");
    char *task = s_task(id);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM stage_runs WHERE task_id = '%s' "
                                      "AND stage IN ('run', 'test')", task), 0);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s'", task), 0);
    free(task), free(id), free(patch);
}

static void symlink_to_etc_passwd_refused_at_apply(void **state)
{
    (void)state;
    s_symlink_refused("symabs", "/etc/passwd");
}

static void symlink_leaving_tree_refused_at_apply(void **state)
{
    (void)state;
    s_symlink_refused("symrel", "../../outside");
}

static void untracked_leftover_absent_in_test(void **state)
{
    (void)state;
    json_t *run = json_pack("[s]", "echo junk > leftover.bin && mkdir -p out && echo x > out/ignored.txt");
    char *id = s_run_job("leftover", s_job("leftover", NULL, run,
                                           "test ! -e leftover.bin && test ! -e out && python3 test_calc.py",
                                           NULL), "accepted");
    char *task = s_task(id);
    /* the run did leave it (the test would be vacuous otherwise) */
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM file_changes WHERE task_id = '%s' AND "
                                      "path = 'leftover.bin' AND status = 'untracked'", task), 1);
    free(task), free(id);
}

static void mismatched_hunk_apply_failed(void **state)
{
    (void)state;
    const char *patch = "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n"
                        "@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a * b\n";
    json_t *run = json_pack("[s]", "touch ran");
    char *id = s_run_job("hunk", s_job("hunk", patch, run, "true", NULL), "apply_failed");
    s_assert_reason_has(id, "calc.py");
    char *task = s_task(id);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s'", task), 0);
    free(task), free(id);
}

static void failing_tests_tests_failed(void **state)
{
    (void)state;
    char *id = s_run_job("failing", s_job("failing", NULL, NULL, "python3 -c 'raise SystemExit(3)'", NULL),
                         "tests_failed");
    assert_int_equal(pl_sql_long(g.c, "SELECT (summary->>'exit_code')::int FROM results WHERE job_id = '%s' "
                                      "AND authoritative", id), 3);
    free(id);
}

static void endless_test_timeout(void **state)
{
    (void)state;
    json_t *pol = json_pack("{s:{s:i}}", "limits", "timeout_s", 2);
    char *id = s_run_job("endless", s_job("endless", NULL, NULL, "while :; do :; done", pol), "timeout");
    char *task = s_task(id);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM stage_runs WHERE task_id = '%s' AND stage = 'test' "
                                      "AND timed_out", task), 1);
    free(task), free(id);
}

static void s_broken_plugin(const char *plugin)
{
    json_t *pol = json_pack("{s:[s,s], s:s}", "analyzers", "secrets", plugin, "block_at", "high");
    json_t *run = json_pack("[s]", "touch ran");
    char *id = s_run_job(plugin, s_job(plugin, NULL, run, "true", pol), "rejected");
    char *task = s_task(id);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM findings WHERE task_id = '%s' AND "
                                      "rule_id = 'plugin_error' AND blocking", task), 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM exec_events WHERE task_id = '%s'", task), 0);
    free(task), free(id);
    /* the same worker serves the next job */
    id = s_run_job("after", s_job("after", NULL, NULL, "python3 test_calc.py", NULL), "accepted");
    free(id);
}

static void segfaulting_plugin_error_worker_alive(void **state)
{
    (void)state;
    s_broken_plugin("plsegv");
}

static void endless_plugin_error_worker_alive(void **state)
{
    (void)state;
    s_broken_plugin("plloop");
}

static void worker_labels_select_the_worker(void **state)
{
    (void)state;
    json_t *away = s_job("away", NULL, NULL, "true", NULL);
    json_object_set_new(away, "worker_labels", json_pack("{s:s}", "pool", "elsewhere"));
    char *away_id = pl_submit(g.c, "away", away);
    json_decref(away);
    assert_non_null(away_id);
    /* submitted after `away`, it runs first: only it matches pw0's labels */
    json_t *here = s_job("here", NULL, NULL, "true", NULL);
    json_object_set_new(here, "worker_labels", json_pack("{s:s, s:s}", "pool", "pipeline", "zone", "test"));
    char *id = s_run_job("here", here, "accepted");
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM tasks WHERE job_id = '%s' AND state = 'queued' "
                                      "AND worker_id IS NULL", away_id), 1);
    const char *args[] = { "cancel", away_id, NULL };
    assert_int_equal(cluster_cli(g.c, NULL, args), 0);
    free(id), free(away_id);
}

static void audit_row_edit_detected(void **state)
{
    (void)state;
    char db[600];
    snprintf(db, sizeof db, "%s", pg_harness_conninfo(cluster_pg(g.c)));
    const char *args[] = { "--db", db, "audit", "verify", NULL };
    assert_int_equal(cluster_cli(g.c, NULL, args), 0);
    long victim = cluster_sql_long(g.c, "SELECT id FROM audit_log WHERE action = 'event.finding' "
                                        "ORDER BY id LIMIT 1");
    assert_true(victim > 0);
    char sql[600];
    snprintf(sql, sizeof sql,
             "BEGIN; ALTER TABLE audit_log DISABLE TRIGGER ALL; "
             "UPDATE audit_log SET detail = detail || '{\"blocking\": \"false\"}' WHERE id = %ld; "
             "ALTER TABLE audit_log ENABLE TRIGGER ALL; COMMIT", victim);
    PGresult *r = PQexec(cluster_db(g.c), sql);
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    char *out = NULL;
    assert_int_not_equal(cluster_cli(g.c, &out, args), 0);
    char want[64];
    snprintf(want, sizeof want, "first bad row id %ld", victim);
    if (!out || !strstr(out, want))
        fail_msg("audit verify output lacks '%s': %s", want, out ? out : "(none)");
    free(out);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("SKIP: the ns sandbox and the private PostgreSQL need root here\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(benign_patch_accepted),
        cmocka_unit_test(benign_patch_accepted_microvm),
        cmocka_unit_test(workspace_over_disk_resource_exceeded_microvm),
        cmocka_unit_test(deep_path_resource_exceeded_microvm),
        cmocka_unit_test_teardown(odd_names_accepted_microvm, microvm_teardown),
        cmocka_unit_test(workspace_over_disk_resource_exceeded),
        cmocka_unit_test(deep_path_resource_exceeded),
        cmocka_unit_test(odd_names_accepted),
        cmocka_unit_test(aws_key_rejected_redacted_nothing_run),
        cmocka_unit_test(curl_sh_in_makefile_rejected),
        cmocka_unit_test(curl_sh_run_command_rejected),
        cmocka_unit_test(run_writes_workflow_policy_violation),
        cmocka_unit_test(run_writes_outside_write_paths_policy_violation),
        cmocka_unit_test(symlink_to_etc_passwd_refused_at_apply),
        cmocka_unit_test(symlink_leaving_tree_refused_at_apply),
        cmocka_unit_test(untracked_leftover_absent_in_test),
        cmocka_unit_test(mismatched_hunk_apply_failed),
        cmocka_unit_test(failing_tests_tests_failed),
        cmocka_unit_test(endless_test_timeout),
        cmocka_unit_test(segfaulting_plugin_error_worker_alive),
        cmocka_unit_test(endless_plugin_error_worker_alive),
        cmocka_unit_test(worker_labels_select_the_worker),
        cmocka_unit_test(audit_row_edit_detected),
    };
    if (getenv("PIPELINE_DRIVER") && *getenv("PIPELINE_DRIVER"))   /* the same cases on another driver */
        s_driver = getenv("PIPELINE_DRIVER");
    if (!sandbox_driver_available(s_driver)) {
        printf("SKIP: the %s driver is unavailable: %s\n", s_driver, al_err_msg());
        return 77;
    }
    if (getenv("PIPELINE_FILTER"))   /* e.g. PIPELINE_FILTER='benign*' */
        cmocka_set_test_filter(getenv("PIPELINE_FILTER"));
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
