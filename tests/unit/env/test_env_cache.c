/*
 * test_env_cache.c: the worker's environment cache (worker/env) with images
 * served from local files instead of airlockd: the first acquire fetches and
 * the next reuses; a wrong image, a wrong tree or a wrong digest is refused and
 * leaves nothing usable; hostile tarballs are finalized (setuid bits, device
 * nodes, FIFOs gone, mount points real directories, Airlock's /etc files,
 * the uid 1000 account) or refused (members leaving the root); entries nobody
 * holds are evicted least recently used first, held ones never.
 * Real tar, zstd and mkfs.erofs run; the tarballs come from mktar.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/digest.h"
#include "common/envspec/envspec.h"
#include "common/error.h"
#include "worker/env/env_cache.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MKTAR AIRLOCK_SOURCE_DIR "/tests/unit/env/mktar.py"

typedef struct {
    char blob[600];                   /* the image served */
    env_fetch_meta_t meta;            /* what is announced with it */
    char digest[ENVSPEC_DIGEST_LEN + 1];
    int fetches;
} source_t;

typedef struct {
    char dir[256];
    source_t src[4];
} fx_t;

static int s_fetch(void *ctx, const char *digest, int fd, env_fetch_meta_t *meta)
{
    fx_t *fx = ctx;
    for (int i = 0; i < 4; i++) {
        source_t *s = &fx->src[i];
        if (strcmp(s->digest, digest) != 0)
            continue;
        s->fetches++;
        *meta = s->meta;
        meta->spec_json = strdup(s->meta.spec_json);
        FILE *in = fopen(s->blob, "rb");
        char buf[65536];
        size_t n;
        int rc = in ? 0 : al_err_set(AL_EIO, "serve %s", s->blob);
        while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
            rc = write(fd, buf, n) == (ssize_t)n ? 0 : al_err_set(AL_EIO, "serve %s", s->blob);
        if (in)
            fclose(in);
        return rc;
    }
    return al_err_set(AL_ENOTFOUND, "no source for %s", digest);
}

static void s_sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* Source i: a tarball of kind, its image, the spec {"import":...,"env":{"K":"<i>"}}. */
static void s_source(fx_t *fx, int i, const char *kind)
{
    source_t *s = &fx->src[i];
    char tar[300];
    snprintf(tar, sizeof tar, "%s/src%d.tar", fx->dir, i);
    snprintf(s->blob, sizeof s->blob, "%s.zst", tar);
    s_sh("python3 '%s' '%s' %s && zstd -q -f '%s' -o '%s'", MKTAR, tar, kind, tar, s->blob);
    char spec[200];
    snprintf(spec, sizeof spec, "{\"name\":\"u%d\",\"import\":{\"source\":\"unit\"},\"env\":{\"K\":\"%d\"}}", i, i);
    envspec_t *e = NULL;
    assert_int_equal(envspec_parse(spec, strlen(spec), &e), 0);
    assert_int_equal(al_sha256_file_hex(tar, s->meta.tree_sha256), 0);
    assert_int_equal(al_sha256_file_hex(s->blob, s->meta.blob_sha256), 0);
    struct stat st;
    assert_int_equal(stat(tar, &st), 0);
    s->meta.tree_bytes = (uint64_t)st.st_size;
    assert_int_equal(stat(s->blob, &st), 0);
    s->meta.total = (uint64_t)st.st_size;
    s->meta.spec_json = envspec_canonical(e, 0);
    assert_int_equal(envspec_digest(e, s->meta.tree_sha256, s->digest), 0);
    envspec_destroy(&e);
}

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/test-env-cache-XXXXXX");
    if (!fx || !mkdtemp(fx->dir))
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    for (int i = 0; i < 4; i++)
        free(fx->src[i].meta.spec_json);
    s_sh("rm -rf '%s'", fx->dir);
    free(fx);
    return 0;
}

static env_cache_t *s_cache(fx_t *fx, uint64_t max_bytes)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/cache", fx->dir);
    env_cache_t *c = NULL;
    assert_int_equal(env_cache_new(&c, dir, max_bytes, s_fetch, fx), 0);
    return c;
}

static void test_fetch_once_then_cached(void **state)
{
    fx_t *fx = *state;
    s_source(fx, 0, "good");
    env_cache_t *c = s_cache(fx, 1ull << 30);
    env_handle_t *h = NULL, *h2 = NULL;
    assert_int_equal(env_cache_acquire(c, fx->src[0].digest, 0, &h), 0);
    assert_int_equal(fx->src[0].fetches, 1);
    assert_string_equal(h->env.digest, fx->src[0].digest);
    assert_string_equal(h->vars[0], "K=0");
    assert_string_equal(h->vars[1], "USER=sandbox");
    char p[800];
    snprintf(p, sizeof p, "%s/usr/bin/hello", h->env.tree);
    assert_int_equal(access(p, X_OK), 0);
    assert_null(h->env.image);
    /* a second user (while the first holds it) and later ones: no fetch */
    assert_int_equal(env_cache_acquire(c, fx->src[0].digest, 1, &h2), 0);
    assert_int_equal(fx->src[0].fetches, 1);
    assert_non_null(h2->env.image);
    struct stat st;
    assert_int_equal(stat(h2->env.image, &st), 0);
    assert_int_equal((uint64_t)st.st_size, SANDBOX_ENV_IMAGE_BYTES);   /* padded, sparse */
    assert_true((uint64_t)st.st_blocks * 512 < 64u << 20);
    env_cache_release(&h2);
    env_cache_release(&h);
    assert_null(h);
    env_cache_destroy(&c);
}

/* Image, tree and digest are each checked; nothing usable stays. */
static void test_refusals(void **state)
{
    fx_t *fx = *state;
    s_source(fx, 0, "good");
    env_cache_t *c = s_cache(fx, 1ull << 30);
    env_handle_t *h = NULL;
    source_t *s = &fx->src[0];
    char saved[65];
    memcpy(saved, s->meta.blob_sha256, sizeof saved);
    memset(s->meta.blob_sha256, 'a', 64);   /* announced image hash differs */
    assert_int_equal(env_cache_acquire(c, s->digest, 0, &h), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "image sha256"));
    memcpy(s->meta.blob_sha256, saved, sizeof saved);
    memcpy(saved, s->meta.tree_sha256, sizeof saved);
    memset(s->meta.tree_sha256, 'b', 64);   /* the digest no longer matches spec + tree */
    assert_int_equal(env_cache_acquire(c, s->digest, 0, &h), AL_EINVAL);
    assert_non_null(strstr(al_err_msg(), "digest mismatch"));
    memcpy(s->meta.tree_sha256, saved, sizeof saved);
    assert_null(h);
    char dir[700];
    snprintf(dir, sizeof dir, "%s/cache/%s", fx->dir, s->digest + 7);
    assert_int_not_equal(access(dir, F_OK), 0);
    assert_int_equal(env_cache_acquire(c, "sha256:nothex", 0, &h), AL_EINVAL);
    assert_int_equal(env_cache_acquire(c, "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                                       0, &h), AL_ENOTFOUND);
    /* and the good one still works afterwards */
    assert_int_equal(env_cache_acquire(c, s->digest, 0, &h), 0);
    env_cache_release(&h);
    env_cache_destroy(&c);
}

static void test_hostile_tree_finalized(void **state)
{
    fx_t *fx = *state;
    s_source(fx, 1, "hostile");
    env_cache_t *c = s_cache(fx, 1ull << 30);
    env_handle_t *h = NULL;
    assert_int_equal(env_cache_acquire(c, fx->src[1].digest, 1, &h), 0);
    const char *t = h->env.tree;
    struct stat st;
    char p[900];
    snprintf(p, sizeof p, "%s/usr/bin/rootshell", t);
    assert_int_equal(lstat(p, &st), 0);
    assert_int_equal(st.st_mode & (S_ISUID | S_ISGID), 0);
    snprintf(p, sizeof p, "%s/usr/bin/sgid", t);
    assert_int_equal(lstat(p, &st), 0);
    assert_int_equal(st.st_mode & (S_ISUID | S_ISGID), 0);
    snprintf(p, sizeof p, "%s/bin/sda", t);
    assert_int_not_equal(lstat(p, &st), 0);
    snprintf(p, sizeof p, "%s/bin/fifo", t);
    assert_int_not_equal(lstat(p, &st), 0);
    const char *dirs[] = { "workspace", "tmp", "proc", "dev", "sys", "run", "root" };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", t, dirs[i]);
        assert_int_equal(lstat(p, &st), 0);
        if (!S_ISDIR(st.st_mode))
            fail_msg("/%s is not a real directory", dirs[i]);
    }
    snprintf(p, sizeof p, "%s/etc/hosts", t);
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    s_sh("grep -q '^sandbox:x:1000:1000:' '%s/etc/passwd' && grep -q '^sandbox:x:1000:' '%s/etc/group' && "
         "test ! -s '%s/etc/resolv.conf'", t, t, t);
    env_cache_release(&h);
    env_cache_destroy(&c);
}

static void test_escaping_members_refused(void **state)
{
    fx_t *fx = *state;
    s_source(fx, 2, "escape");
    s_source(fx, 3, "absolute");
    env_cache_t *c = s_cache(fx, 1ull << 30);
    env_handle_t *h = NULL;
    /* GNU tar refuses ".." members (exit 2): the environment is refused */
    assert_int_equal(env_cache_acquire(c, fx->src[2].digest, 0, &h), AL_EIO);
    assert_non_null(strstr(al_err_msg(), "tar -x failed"));
    char p[600];
    snprintf(p, sizeof p, "%s/cache/outside-of-root", fx->dir);
    assert_int_not_equal(access(p, F_OK), 0);
    /* an absolute member lands inside the root (tar strips the '/'), never at / */
    assert_int_not_equal(access("/abs-of-root", F_OK), 0);
    if (env_cache_acquire(c, fx->src[3].digest, 0, &h) == 0) {
        char q[900];
        snprintf(q, sizeof q, "%s/abs-of-root", h->env.tree);
        assert_int_equal(access(q, F_OK), 0);
        env_cache_release(&h);
    }
    assert_int_not_equal(access("/abs-of-root", F_OK), 0);
    env_cache_destroy(&c);
}

static void test_lru_eviction(void **state)
{
    fx_t *fx = *state;
    s_source(fx, 0, "good");
    s_source(fx, 1, "hostile");
    s_source(fx, 3, "absolute");
    env_cache_t *c = s_cache(fx, 1);   /* everything is too big: keep only what is held */
    env_handle_t *a = NULL, *b = NULL;
    assert_int_equal(env_cache_acquire(c, fx->src[0].digest, 0, &a), 0);
    assert_int_equal(env_cache_acquire(c, fx->src[1].digest, 0, &b), 0);   /* a is held: stays */
    assert_int_equal(access(a->env.tree, F_OK), 0);
    env_cache_release(&a);
    env_handle_t *d = NULL;
    assert_int_equal(env_cache_acquire(c, fx->src[3].digest, 0, &d), 0);  /* a is free now: evicted */
    char p[700];
    snprintf(p, sizeof p, "%s/cache/%s", fx->dir, fx->src[0].digest + 7);
    assert_int_not_equal(access(p, F_OK), 0);
    assert_int_equal(access(b->env.tree, F_OK), 0);
    /* the evicted one comes back on demand */
    assert_int_equal(env_cache_acquire(c, fx->src[0].digest, 0, &a), 0);
    assert_int_equal(fx->src[0].fetches, 2);
    env_cache_release(&a);
    env_cache_release(&b);
    env_cache_release(&d);
    env_cache_destroy(&c);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("SKIP: unpacking environments keeps file owners: root only\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fetch_once_then_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_tree_finalized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping_members_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lru_eviction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
