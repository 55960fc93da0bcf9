/*
 * test_corpus_replay.c: real upstream commits of real third-party projects
 * (../shared/corpus, see its README) replayed through the whole pipeline, each
 * with the project's own test command, on ns, on gvisor and on microvm:
 *
 *   base = COMMIT^, patch = `git format-patch -1 --stdout COMMIT`  -> accepted
 *   the same patch plus a small bug the project's tests catch     -> tests_failed
 *
 * inih (C): `cd tests && ./unittest.sh && git diff --exit-code` (its CI's own
 * check: the regenerated baselines equal the committed ones; this needs a
 * real .git in the workspace and a working cc). more-itertools (Python):
 * `python3 -m unittest`. Under TCG the microvm half runs one compile of inih
 * and one test class of more-itertools, so it stays within a few minutes.
 *
 * The corpus is found at $AIRLOCK_CORPUS_DIR, <source>/../shared/corpus or
 * /work/shared/corpus; without it the test skips (77) and says so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plcluster.h"
#include "common/error.h"
#include "worker/sandbox/sandbox.h"

typedef struct {
    cluster_t *c;
    pl_worker_t ns, vm, gv;
    char corpus[512];
    char inih[600], mit[600];     /* clones of the bundles */
    char plugins[400];
} group_t;

static group_t g;

#define INIH_FULL "cd tests && ./unittest.sh && git diff --exit-code"
#define INIH_ONE \
    "cd tests && gcc -Wall ../ini.c unittest.c -o unittest_multi && ./unittest_multi > baseline_multi.txt && " \
    "rm -f unittest_multi && git diff --exit-code"
#define MIT_FULL "python3 -B -m unittest tests.test_recipes"
#define MIT_ONE "python3 -B -m unittest tests.test_recipes.NthPermutationTests"
/* Hand-made bugs the projects' own tests catch (checked by hand on the host). */
#define INIH_BUG "sed -i '0,/        \\*end = .\\\\0.;/s//        end = end;/' ini.c"
#define MIT_BUG "sed -i 's/    for d in range(n - r + 1, n + 1):/    for d in range(n - r + 2, n + 1):/' " \
                "more_itertools/more.py"

static int s_find_corpus(void)
{
    const char *env = getenv("AIRLOCK_CORPUS_DIR");
    const char *cands[] = { env, AIRLOCK_SOURCE_DIR "/../shared/corpus", "/work/shared/corpus" };
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        char p[600];
        if (!cands[i] || !cands[i][0])
            continue;
        snprintf(p, sizeof p, "%s/inih.bundle", cands[i]);
        if (access(p, R_OK) == 0) {
            snprintf(g.corpus, sizeof g.corpus, "%s", cands[i]);
            return 1;
        }
    }
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    cluster_opts_t o = { .workers = 0, .slots = 1, .heartbeat_ms = 200, .lease_ms = 60000 };
    int rc = cluster_start(&g.c, &o);
    snprintf(g.inih, sizeof g.inih, "%s/inih", g.c ? cluster_dir(g.c) : "");
    snprintf(g.mit, sizeof g.mit, "%s/more-itertools", g.c ? cluster_dir(g.c) : "");
    snprintf(g.plugins, sizeof g.plugins, "%s", AIRLOCK_PLUGIN_DIR);
    if (rc == AL_OK)
        rc = pl_sh("git clone -q '%s/inih.bundle' '%s' && git clone -q '%s/more-itertools.bundle' '%s'",
                   g.corpus, g.inih, g.corpus, g.mit);
    if (rc == AL_OK)
        rc = pl_worker_start(g.c, &g.ns, "corpus-ns", "ns", g.plugins, "");
    if (rc == AL_OK && sandbox_driver_available("microvm"))
        rc = pl_worker_start(g.c, &g.vm, "corpus-vm", "microvm", g.plugins, "");
    if (rc == AL_OK && sandbox_driver_available("gvisor"))
        rc = pl_worker_start(g.c, &g.gv, "corpus-gvisor", "gvisor", g.plugins, "");
    if (rc != AL_OK) {
        fprintf(stderr, "corpus group setup: %s\n", al_err_msg());
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pl_worker_stop(&g.gv);
    pl_worker_stop(&g.vm);
    pl_worker_stop(&g.ns);
    cluster_stop(&g.c);
    return 0;
}

/* Output of a shell command run in repo (first 64 KiB), malloc'd. */
static char *s_out(const char *repo, const char *cmd)
{
    char full[8192];
    assert_true((size_t)snprintf(full, sizeof full, "cd '%s' && %s", repo, cmd) < sizeof full);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    size_t cap = 1 << 20, len = 0, n;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((n = fread(buf + len, 1, cap - 1 - len, p)) > 0)
        len += n;
    buf[len] = '\0';
    assert_int_equal(pclose(p), 0);
    return buf;
}

/* The upstream patch of `commit`, plus `bug` (a shell edit) when given: made
 * in a scratch clone (<repo>.scratch) so the repository jobs use stays put. */
static char *s_patch(const char *repo, const char *commit, const char *bug)
{
    char cmd[1024];
    if (!bug) {
        snprintf(cmd, sizeof cmd, "git format-patch -1 --stdout %s", commit);
        return s_out(repo, cmd);
    }
    char scratch[700], script[720];
    snprintf(scratch, sizeof scratch, "%s.scratch", repo);
    snprintf(script, sizeof script, "%s.bug.sh", repo);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "set -e\n%s\n", bug);
    fclose(f);
    if (access(scratch, F_OK) != 0)
        assert_int_equal(pl_sh("git clone -q '%s' '%s'", repo, scratch), AL_OK);
    snprintf(cmd, sizeof cmd,
             "git checkout -q -f %s^ && git format-patch -1 --stdout %s | git apply --index && sh '%s' && "
             "git add -A && git diff --cached --binary %s^",
             commit, commit, script, commit);
    return s_out(scratch, cmd);
}

/* Shifts every hunk header of a patch by 3 lines (a shell filter). */
#define SHIFT_HUNKS_3 "perl -pe 's/^@@ -(\\d+)(,\\d+)? \\+(\\d+)/\"@@ -\".($1+3).$2.\" +\".($3+3)/e'"

/* The change of `commit` as `diff -ruN` writes it, without git headers
 * (what many tools and coding agents hand over): the trees of COMMIT^ and
 * COMMIT side by side in <repo>.plain; passed through `filter` when given. */
static char *s_plain_patch(const char *repo, const char *commit, const char *filter)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s.plain' && mkdir -p '%s.plain/old' '%s.plain/new' && git archive %s^ | tar -x -C '%s.plain/old' && "
             "git archive %s | tar -x -C '%s.plain/new' && cd '%s.plain' && { diff -ruN old new; test $? = 1; }%s%s",
             repo, repo, repo, commit, repo, commit, repo, repo, filter ? " | " : "", filter ? filter : "");
    return s_out(repo, cmd);
}

/* Runs patch over COMMIT^ on driver with test; asserts the verdict and
 * returns the job's id. */
static char *s_replay_patch(const char *name, const char *repo, const char *commit, char *patch,
                            const char *driver, const char *test, const char *want)
{
    char base[64], cmd[128];
    snprintf(cmd, sizeof cmd, "git rev-parse %s^", commit);
    char *b = s_out(repo, cmd);
    snprintf(base, sizeof base, "%.40s", b);
    free(b);
    assert_true(strlen(patch) > 100);
    json_t *job = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "repo", repo, "base", base, "patch", patch,
                            "test", test, "driver", driver, "labels", "case", name, "commit", commit);
    free(patch);
    char *id = pl_submit(g.c, name, job);
    json_decref(job);
    if (!id)
        fail_msg("%s: submit failed (logs in %s)", name, cluster_dir(g.c));
    char *verdict = pl_wait_verdict(g.c, id);
    if (strcmp(verdict, want) != 0) {
        char *reason = pl_sql_text(g.c, "SELECT coalesce(reason, '') FROM jobs WHERE id = '%s'", id);
        char *out = pl_sql_text(g.c, "SELECT string_agg(s.output_redacted, E'\\n---\\n') FROM stage_runs s JOIN jobs j "
                                     "ON j.task_id = s.task_id WHERE j.id = '%s'", id);
        fail_msg("%s on %s: verdict '%s', want '%s' (reason: %s)\noutput:\n%s\n(logs in %s)", name, driver, verdict,
                 want, reason ? reason : "?", out ? out : "", cluster_dir(g.c));
    }
    /* the stage ran where it was asked to, and nothing under .git was a change */
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM stage_runs s JOIN jobs j ON j.task_id = s.task_id "
             "WHERE j.id = '%s' AND s.stage = 'test' AND s.sandbox_driver = '%s'", id, driver);
    assert_int_equal(cluster_sql_long(g.c, sql), 1);
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM file_changes f JOIN jobs j ON j.task_id = f.task_id "
                                      "WHERE j.id = '%s' AND (f.path = '.git' OR f.path LIKE '.git/%%')", id), 0);
    free(verdict);
    return id;
}

/* Replays commit (its format-patch, plus bug when given) on driver with
 * test; asserts the verdict. */
static void s_replay(const char *name, const char *repo, const char *commit, const char *bug,
                     const char *driver, const char *test, const char *want)
{
    free(s_replay_patch(name, repo, commit, s_patch(repo, commit, bug), driver, test, want));
}

static void inih_ns(void **state)
{
    (void)state;
    s_replay("inih-c75edb8", g.inih, "c75edb8", NULL, "ns", INIH_FULL, "accepted");
    s_replay("inih-498f34b", g.inih, "498f34b", NULL, "ns", INIH_FULL, "accepted");
    s_replay("inih-57188e8", g.inih, "57188e8", NULL, "ns", INIH_FULL, "accepted");
    s_replay("inih-a07be90", g.inih, "a07be90", NULL, "ns", INIH_FULL, "accepted");
    s_replay("inih-c75edb8-bug", g.inih, "c75edb8", INIH_BUG, "ns", INIH_FULL, "tests_failed");
}

/* The same upstream fix as `diff -ruN` output, no git headers: `git apply`
 * and `patch -p1` apply it, and it was apply_failed ("invalid hunk header
 * outside patch"). 498f34b also adds a file (diff -N's epoch side). */
static void inih_plain_diff_ns(void **state)
{
    (void)state;
    free(s_replay_patch("inih-498f34b-plain", g.inih, "498f34b", s_plain_patch(g.inih, "498f34b", NULL), "ns",
                        INIH_FULL " && test -s name_only_after_error.ini", "accepted"));
}

/* The upstream fix with every hunk header 3 lines off, as hand-edited and
 * agent-written patches often are: git apply finds each hunk 3 lines up
 * ("offset -3 lines"); libgit2 alone looked only at the stated line and the
 * job was apply_failed. */
static void inih_offset_hunks_ns(void **state)
{
    (void)state;
    char *patch = s_out(g.inih, "git format-patch -1 --stdout c75edb8 | " SHIFT_HUNKS_3);
    assert_non_null(strstr(patch, "@@ -47,12 +47,12 @@"));
    free(s_replay_patch("inih-c75edb8-offset", g.inih, "c75edb8", patch, "ns", INIH_FULL, "accepted"));
}

static void more_itertools_ns(void **state)
{
    (void)state;
    s_replay("mit-237388c", g.mit, "237388c", NULL, "ns", MIT_FULL, "accepted");
    s_replay("mit-5c715d8", g.mit, "5c715d8", NULL, "ns", MIT_FULL, "accepted");
    s_replay("mit-237388c-bug", g.mit, "237388c", MIT_BUG, "ns", MIT_FULL, "tests_failed");
}

/* A run stage that commits into the sandbox's repository changes nothing
 * outside it: the test stage gets a fresh .git at the base again. */
static void git_repository_in_the_workspace(void **state)
{
    (void)state;
    char *base = s_out(g.inih, "git rev-parse c75edb8^");
    base[40] = '\0';
    char *patch = s_patch(g.inih, "c75edb8", NULL);
    char test[256];
    snprintf(test, sizeof test,
             "test \"$(git rev-parse HEAD)\" = %s && git diff --exit-code && ! git diff --cached --quiet && "
             "test \"$(git log --format=%%H | wc -l)\" = 1", base);
    json_t *run = json_pack("[s]", "git -c user.email=a@example.org -c user.name=a commit -qm local && "
                                   "test \"$(git log --format=%H | wc -l)\" = 2");
    json_t *job = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "repo", g.inih, "base", base, "patch", patch, "run", run,
                            "test", test, "driver", "ns");
    free(patch);
    free(base);
    char *id = pl_submit(g.c, "git-in-workspace", job);
    json_decref(job);
    assert_non_null(id);
    char *verdict = pl_wait_verdict(g.c, id);
    if (strcmp(verdict, "accepted") != 0) {
        char *reason = pl_sql_text(g.c, "SELECT coalesce(reason, '') FROM jobs WHERE id = '%s'", id);
        fail_msg("git-in-workspace: verdict %s (%s)", verdict, reason ? reason : "?");
    }
    assert_int_equal(pl_sql_long(g.c, "SELECT count(*) FROM file_changes f JOIN jobs j ON j.task_id = f.task_id "
                                      "WHERE j.id = '%s' AND f.path LIKE '.git%%'", id), 0);
    free(verdict);
    free(id);
}

static void inih_microvm(void **state)
{
    (void)state;
    if (!g.vm.pid)
        skip();
    s_replay("vm-inih-c75edb8", g.inih, "c75edb8", NULL, "microvm", INIH_ONE, "accepted");
    s_replay("vm-inih-c75edb8-bug", g.inih, "c75edb8", INIH_BUG, "microvm", INIH_ONE, "tests_failed");
    /* the same fix as diff -ruN writes it, every hunk 3 lines off: read and
     * placed as git apply would (apply_failed before) */
    free(s_replay_patch("vm-inih-c75edb8-plain-offset", g.inih, "c75edb8",
                        s_plain_patch(g.inih, "c75edb8", SHIFT_HUNKS_3), "microvm", INIH_ONE, "accepted"));
}

static void more_itertools_microvm(void **state)
{
    (void)state;
    if (!g.vm.pid)
        skip();
    s_replay("vm-mit-237388c", g.mit, "237388c", NULL, "microvm", MIT_ONE, "accepted");
    s_replay("vm-mit-237388c-bug", g.mit, "237388c", MIT_BUG, "microvm", MIT_ONE, "tests_failed");
}

/* gVisor runs the projects' full suites, like ns (issue 17). */
static void inih_gvisor(void **state)
{
    (void)state;
    if (!g.gv.pid)
        skip();
    s_replay("gv-inih-c75edb8", g.inih, "c75edb8", NULL, "gvisor", INIH_FULL, "accepted");
    s_replay("gv-inih-c75edb8-bug", g.inih, "c75edb8", INIH_BUG, "gvisor", INIH_FULL, "tests_failed");
}

static void more_itertools_gvisor(void **state)
{
    (void)state;
    if (!g.gv.pid)
        skip();
    s_replay("gv-mit-237388c", g.mit, "237388c", NULL, "gvisor", MIT_FULL, "accepted");
    s_replay("gv-mit-237388c-bug", g.mit, "237388c", MIT_BUG, "gvisor", MIT_FULL, "tests_failed");
}

int main(void)
{
    if (!s_find_corpus()) {
        printf("SKIP: no corpus of third-party repositories here (set AIRLOCK_CORPUS_DIR or put it at "
               "<source>/../shared/corpus)\n");
        return 77;
    }
    if (!sandbox_driver_available("ns")) {
        printf("SKIP: the ns driver is unavailable: %s\n", al_err_msg());
        return 77;
    }
    if (!sandbox_driver_available("microvm"))
        printf("SKIP (microvm half): %s\n", al_err_msg());
    if (!sandbox_driver_available("gvisor"))
        printf("SKIP (gvisor half): %s\n", al_err_msg());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inih_ns),
        cmocka_unit_test(inih_plain_diff_ns),
        cmocka_unit_test(inih_offset_hunks_ns),
        cmocka_unit_test(more_itertools_ns),
        cmocka_unit_test(git_repository_in_the_workspace),
        cmocka_unit_test(inih_microvm),
        cmocka_unit_test(more_itertools_microvm),
        cmocka_unit_test(inih_gvisor),
        cmocka_unit_test(more_itertools_gvisor),
    };
    if (getenv("CORPUS_FILTER"))   /* e.g. CORPUS_FILTER='*gvisor' */
        cmocka_set_test_filter(getenv("CORPUS_FILTER"));
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
