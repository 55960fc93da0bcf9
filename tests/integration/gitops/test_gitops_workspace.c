/*
 * test_gitops_workspace.c: workspace creation on real repositories: clone
 * from a path and file://, base by id, tag and branch, unknown base, the
 * mirror cache (reuse, concurrent use), a hostile repository whose filters
 * and hooks must not run, and directory removal that must not follow links.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "gitops_fixture.h"

static void ws_path(gitops_workspace_t *ws, const char *rel, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", gitops_workspace_workdir(ws), rel);
}

static void test_clone_path_by_sha(void **state)
{
    fx_t *fx = *state;
    gitops_workspace_t *ws = fx_ws(fx, fx->c1, 0);
    char p[512], *s, *tree;
    struct stat st;

    assert_string_equal(gitops_workspace_base_commit(ws), fx->c1);
    tree = fx_sh_out(NULL, "git -C %s rev-parse %s^{tree}", fx->src, fx->c1);
    assert_memory_equal(gitops_workspace_base_tree(ws), tree, 40);
    free(tree);
    ws_path(ws, "README.md", p, sizeof(p));
    assert_non_null(s = fx_read(p));
    assert_string_equal(s, "hello\n");
    free(s);
    ws_path(ws, "run.sh", p, sizeof(p));
    assert_int_equal(lstat(p, &st), 0);
    assert_true(st.st_mode & 0100);
    ws_path(ws, "readme-link", p, sizeof(p));
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* The git directory is beside the work tree, not in it. */
    ws_path(ws, ".git", p, sizeof(p));
    assert_false(fx_exists(p));
    gitops_workspace_destroy(&ws);
    assert_null(ws);
    gitops_workspace_destroy(&ws);
}

static void test_clone_file_url_by_ref(void **state)
{
    fx_t *fx = *state;
    const char *bases[] = { "main", "v1", "refs/heads/main" };
    const char *want[] = { fx->c2, fx->c1, fx->c2 };
    char url[256], dir[256];

    snprintf(url, sizeof(url), "file://%s", fx->src);
    for (size_t i = 0; i < 3; i++) {
        gitops_source_t src = GITOPS_SOURCE_INIT;
        gitops_workspace_t *ws = NULL;
        char p[512], *s;
        fx_dir(fx, dir, sizeof(dir), "url");
        src.url = url;
        src.base = bases[i];
        assert_int_equal(gitops_workspace_new(&ws, &src, dir), 0);
        assert_string_equal(gitops_workspace_base_commit(ws), want[i]);
        ws_path(ws, "README.md", p, sizeof(p));
        assert_non_null(s = fx_read(p));
        assert_string_equal(s, i == 1 ? "hello\n" : "hello\nworld\n");
        free(s);
        gitops_workspace_destroy(&ws);
        assert_int_equal(gitops_dir_remove(dir), 0);
        assert_false(fx_exists(dir));
    }
}

static void test_unknown_base(void **state)
{
    fx_t *fx = *state;
    const char *bad[] = { "0123456789abcdef0123456789abcdef01234567", "no-such-branch", "v1~9" };
    char dir[256];

    for (size_t i = 0; i < 3; i++) {
        gitops_source_t src = GITOPS_SOURCE_INIT;
        gitops_workspace_t *ws = NULL;
        fx_dir(fx, dir, sizeof(dir), "bad");
        src.url = fx->src;
        src.base = bad[i];
        assert_int_equal(gitops_workspace_new(&ws, &src, dir), AL_ENOTFOUND);
        assert_null(ws);
        assert_non_null(strstr(al_err_msg(), "base"));
        assert_non_null(strstr(al_err_msg(), bad[i]));
        assert_int_equal(gitops_dir_remove(dir), 0);
    }
}

static void test_bad_arguments(void **state)
{
    fx_t *fx = *state;
    gitops_source_t src = GITOPS_SOURCE_INIT;
    gitops_workspace_t *ws = NULL;
    char dir[256];

    fx_dir(fx, dir, sizeof(dir), "args");
    assert_int_equal(gitops_workspace_new(&ws, &src, dir), AL_EINVAL); /* no url */
    src.url = fx->src;
    src.base = "main with space";
    assert_int_equal(gitops_workspace_new(&ws, &src, dir), AL_EINVAL);
    src.base = "main";
    src.version = 99;
    assert_int_equal(gitops_workspace_new(&ws, &src, dir), AL_EINVAL);
    src.version = GITOPS_SOURCE_VERSION;
    src.url = "/nonexistent/repo";
    assert_int_equal(gitops_workspace_new(&ws, &src, dir), AL_EGIT);
    assert_null(ws);
    assert_int_equal(gitops_dir_remove(dir), 0);
    /* An existing directory is never reused. */
    src.url = fx->src;
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(gitops_workspace_new(&ws, &src, dir), AL_EEXISTS);
    assert_int_equal(gitops_dir_remove(dir), 0);
}

static void mirror_path(fx_t *fx, const char *cache, char *out, size_t size)
{
    char hex[65];
    (void)fx;
    /* sha256 of the url, as documented; computed by the CLI, not the code. */
    char *s = fx_sh_out(NULL, "printf '%%s' '%s' | sha256sum", fx->src);
    memcpy(hex, s, 64);
    hex[64] = '\0';
    free(s);
    snprintf(out, size, "%s/%s.git", cache, hex);
}

static void test_mirror_reused(void **state)
{
    fx_t *fx = *state;
    gitops_workspace_t *ws;
    char mirror[512], c3[41], *s;
    struct stat st1, st2;

    ws = fx_ws(fx, "main", 1);
    gitops_workspace_destroy(&ws);
    mirror_path(fx, fx->cache, mirror, sizeof(mirror));
    assert_int_equal(stat(mirror, &st1), 0);
    /* A new commit upstream: the second workspace fetches it via the same mirror. */
    fx_sh("cd %s && echo three >> README.md && git -c user.name=t -c user.email=t@t commit -q -am three", fx->src);
    s = fx_sh_out(NULL, "git -C %s rev-parse HEAD", fx->src);
    memcpy(c3, s, 40);
    c3[40] = '\0';
    free(s);
    ws = fx_ws(fx, c3, 1);
    assert_string_equal(gitops_workspace_base_commit(ws), c3);
    gitops_workspace_destroy(&ws);
    assert_int_equal(stat(mirror, &st2), 0);
    assert_int_equal(st1.st_ino, st2.st_ino);
    fx_sh("git --git-dir=%s cat-file -e %s", mirror, c3);
    fx_sh("cd %s && git reset -q --hard %s", fx->src, fx->c2);
}

typedef struct {
    fx_t *fx;
    char cache[256];
    char dir[256];
    int rc;
    char commit[41];
} race_t;

static void *race_worker(void *arg)
{
    race_t *r = arg;
    gitops_source_t src = GITOPS_SOURCE_INIT;
    gitops_workspace_t *ws = NULL;
    src.url = r->fx->src;
    src.base = "main";
    src.cache_dir = r->cache;
    r->rc = gitops_workspace_new(&ws, &src, r->dir);
    if (ws)
        memcpy(r->commit, gitops_workspace_base_commit(ws), 41);
    gitops_workspace_destroy(&ws);
    return NULL;
}

static void test_mirror_concurrent(void **state)
{
    fx_t *fx = *state;
    race_t r[3];
    pthread_t t[3];
    char cache[256];

    fx_dir(fx, cache, sizeof(cache), "racecache");
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 3; i++) {
            memset(&r[i], 0, sizeof(r[i]));
            r[i].fx = fx;
            snprintf(r[i].cache, sizeof(r[i].cache), "%s", cache);
            fx_dir(fx, r[i].dir, sizeof(r[i].dir), "race");
            assert_int_equal(pthread_create(&t[i], NULL, race_worker, &r[i]), 0);
        }
        for (int i = 0; i < 3; i++) {
            assert_int_equal(pthread_join(t[i], NULL), 0);
            assert_int_equal(r[i].rc, 0);
            assert_string_equal(r[i].commit, fx->c2);
            fx_sh("test \"$(cat %s/work/README.md)\" = \"$(printf 'hello\\nworld')\"", r[i].dir);
        }
    }
}

/* 1 when /proc/locks shows a process blocked on the flock of inode `ino`. */
static int lock_has_waiter(unsigned long ino)
{
    char line[256], key[64];
    int found = 0;
    FILE *f = fopen("/proc/locks", "r");
    assert_non_null(f);
    snprintf(key, sizeof(key), ":%lu ", ino);
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, "->") && strstr(line, "FLOCK") && strstr(line, key);
    fclose(f);
    return found;
}

/* The mirror update waits for a holder of the mirror lock (deterministic:
 * the waiter is observed in /proc/locks, not assumed after a delay). */
static void test_mirror_lock_serializes(void **state)
{
    fx_t *fx = *state;
    race_t r;
    pthread_t t;
    char lockpath[512], *s;
    struct stat st;
    int fd, spins = 0;

    memset(&r, 0, sizeof(r));
    r.fx = fx;
    fx_dir(fx, r.cache, sizeof(r.cache), "lockcache");
    fx_dir(fx, r.dir, sizeof(r.dir), "lockws");
    assert_int_equal(mkdir(r.cache, 0700), 0);
    s = fx_sh_out(NULL, "printf '%%s' '%s' | sha256sum | cut -c1-64", fx->src);
    s[64] = '\0';
    snprintf(lockpath, sizeof(lockpath), "%s/%s.lock", r.cache, s);
    free(s);
    assert_true((fd = open(lockpath, O_RDWR | O_CREAT, 0600)) >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    assert_int_equal(fstat(fd, &st), 0);
    r.rc = 1;
    assert_int_equal(pthread_create(&t, NULL, race_worker, &r), 0);
    while (!lock_has_waiter((unsigned long)st.st_ino)) {
        assert_true(++spins < 60000); /* 60 s: the worker never queued on the lock */
        usleep(1000);
    }
    /* Blocked on our lock: nothing of the mirror exists yet. */
    snprintf(lockpath + strlen(lockpath) - 5, 6, ".git");
    assert_false(fx_exists(lockpath));
    assert_int_equal(flock(fd, LOCK_UN), 0);
    close(fd);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.commit, fx->c2);
    assert_true(fx_exists(lockpath));
}

/* A repository asking for a smudge filter and carrying hooks: the git CLI
 * runs them (proving the set-up is armed), gitops must not. */
static void test_hostile_repo_runs_nothing(void **state)
{
    fx_t *fx = *state;
    char evil[256], marker[256], cli[256], hooks[600], p[512];
    gitops_workspace_t *ws;
    gitops_apply_report_t *rep = NULL;
    gitops_changes_t *ch = NULL;
    gitops_policy_t pol = GITOPS_POLICY_INIT;
    char tree[41], exp[256], *patch;

    fx_dir(fx, evil, sizeof(evil), "evil");
    fx_dir(fx, marker, sizeof(marker), "marker");
    fx_dir(fx, cli, sizeof(cli), "cli");
    fx_sh("git init -q %s && cd %s && printf '* filter=evil\\n*.txt text eol=crlf ident\\n' > .gitattributes && "
          "printf 'x\\n' > a.txt && git add -A && git -c user.name=t -c user.email=t@t commit -q -m evil", evil, evil);
    fx_sh("git -C %s config filter.evil.smudge 'touch %s.smudge; cat'", evil, marker);
    fx_sh("git -C %s config filter.evil.clean 'touch %s.clean; cat'", evil, marker);
    fx_sh("git -C %s config filter.evil.required true", evil);
    /* Armed: the CLI with the same config does run the filter. */
    fx_sh("git -c filter.evil.smudge='touch %s.cli; cat' clone -q %s %s", marker, evil, cli);
    snprintf(p, sizeof(p), "%s.cli", marker);
    assert_true(fx_exists(p));

    gitops_source_t src = GITOPS_SOURCE_INIT;
    fx_dir(fx, p, sizeof(p), "evilws");
    src.url = evil;
    src.base = "HEAD";
    assert_int_equal(gitops_workspace_new(&ws, &src, p), 0);
    /* Arm the workspace's own git dir too: filter config and every hook. */
    fx_sh("git --git-dir=%s/git config filter.evil.smudge 'touch %s.smudge; cat'", p, marker);
    fx_sh("git --git-dir=%s/git config filter.evil.clean 'touch %s.clean; cat'", p, marker);
    fx_sh("git --git-dir=%s/git config core.fsmonitor 'touch %s.fsmonitor; true'", p, marker);
    snprintf(hooks, sizeof(hooks), "%s/git/hooks", p);
    fx_sh("mkdir -p %s && for h in post-checkout pre-commit post-merge pre-applypatch post-applypatch "
          "reference-transaction; do printf '#!/bin/sh\\ntouch %s.hook\\n' > %s/$h && chmod +x %s/$h; done",
          hooks, marker, hooks, hooks);
    patch = strdup("diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1,2 @@\n x\n+y\n");
    assert_int_equal(gitops_apply(ws, patch, strlen(patch), &pol, &rep), 0);
    assert_int_equal(gitops_diff_workspace(ws, &ch), 0);
    assert_int_equal(gitops_result_tree(ws, tree), 0);
    fx_dir(fx, exp, sizeof(exp), "evilexport");
    assert_int_equal(gitops_export_tree(ws, tree, exp), 0);
    fx_sh("test ! -e %s.smudge && test ! -e %s.clean && test ! -e %s.hook && test ! -e %s.fsmonitor", marker, marker,
          marker, marker);
    /* No filter applied either: content is byte-exact (no CRLF, no ident). */
    fx_sh("test \"$(od -c %s/a.txt | head -1)\" = \"$(printf 'x\\ny\\n' | od -c | head -1)\"", exp);
    free(patch);
    gitops_apply_report_destroy(&rep);
    gitops_changes_destroy(&ch);
    gitops_workspace_destroy(&ws);
}

static void test_dir_remove_stays_inside(void **state)
{
    fx_t *fx = *state;
    char out[256], dir[256], link[256];

    fx_dir(fx, out, sizeof(out), "outside");
    fx_dir(fx, dir, sizeof(dir), "victim");
    fx_sh("mkdir -p %s/keep && echo precious > %s/keep/file && echo precious > %s/top", out, out, out);
    fx_sh("mkdir -p %s/a/b/c %s/locked/in && echo x > %s/a/b/c/f && ln -s %s %s/a/to-dir && "
          "ln -s %s/top %s/to-file && ln -s %s/keep %s/a/b/c/deep && mkfifo %s/fifo && "
          "echo y > %s/locked/in/f && chmod 0500 %s/a/b && chmod 0 %s/locked/in",
          dir, dir, dir, out, dir, out, dir, out, dir, dir, dir, dir, dir);
    assert_int_equal(gitops_dir_remove(dir), 0);
    assert_false(fx_exists(dir));
    fx_sh("test -f %s/keep/file && test -f %s/top", out, out);
    /* The directory itself being a link: only the link goes. */
    fx_dir(fx, link, sizeof(link), "linkdir");
    fx_sh("ln -s %s %s", out, link);
    assert_int_equal(gitops_dir_remove(link), 0);
    assert_false(fx_exists(link));
    fx_sh("test -f %s/keep/file", out);
    assert_int_equal(gitops_dir_remove(link), 0); /* missing: success */
    /* Deep nesting (one fd per level; 400 levels fit the default limit). */
    fx_sh("cd %s && mkdir -p %s && cd %s && for i in $(seq 1 400); do mkdir d && cd d; done && "
          "echo deep > f && ln -s %s/keep up", fx->root, "deep", "deep", out);
    snprintf(link, sizeof(link), "%s/deep", fx->root);
    assert_int_equal(gitops_dir_remove(link), 0);
    assert_false(fx_exists(link));
    fx_sh("test -f %s/keep/file", out);
    assert_int_equal(gitops_dir_remove("/"), AL_EINVAL);
    assert_int_equal(gitops_dir_remove(""), AL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clone_path_by_sha),
        cmocka_unit_test(test_clone_file_url_by_ref),
        cmocka_unit_test(test_unknown_base),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_mirror_reused),
        cmocka_unit_test(test_mirror_concurrent),
        cmocka_unit_test(test_mirror_lock_serializes),
        cmocka_unit_test(test_hostile_repo_runs_nothing),
        cmocka_unit_test(test_dir_remove_stays_inside),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
