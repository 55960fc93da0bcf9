/*
 * test_env.c: see test_env.h.
 */
#include "test_env.h"
#include "cli/env_image.h"
#include "common/digest.h"
#include "common/envspec/envspec.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct test_env {
    envspec_t *spec;
    env_image_t img;
    char *canon;
    env_cache_t *cache;
    char work[512];
};

/* The cache's fetcher: the image from the local file, like ENV_DATA would bring it. */
static int s_fetch(void *ctx, const char *digest, int fd, env_fetch_meta_t *meta)
{
    test_env_t *t = ctx;
    if (strcmp(digest, t->img.digest) != 0)
        return al_err_set(AL_ENOTFOUND, "test_env: no image of %s", digest);
    memset(meta, 0, sizeof *meta);
    meta->total = t->img.blob_bytes;
    meta->tree_bytes = t->img.tree_bytes;
    memcpy(meta->blob_sha256, t->img.blob_sha256, sizeof meta->blob_sha256);
    memcpy(meta->tree_sha256, t->img.tree_sha256, sizeof meta->tree_sha256);
    if (!(meta->spec_json = strdup(t->canon)))
        return AL_ENOMEM;
    int in = open(t->img.blob, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return al_err_set_errno(AL_EIO, "open %s", t->img.blob);
    char buf[1 << 16];
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
        rc = write(fd, buf, (size_t)n) == n ? 0 : al_err_set_errno(AL_EIO, "write");
    close(in);
    return rc;
}

int test_env_new(test_env_t **out, const char *spec_path, const char *cache_dir)
{
    *out = NULL;
    test_env_t *t = calloc(1, sizeof *t);
    if (!t)
        return AL_ENOMEM;
    char text[65536];
    FILE *f = fopen(spec_path, "r");
    size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    int rc = len ? envspec_parse(text, len, &t->spec) : al_err_set(AL_EIO, "read %s", spec_path);
    const char *tmp = getenv("TMPDIR"), *store = getenv("AIRLOCK_TEST_ENV_CACHE");
    snprintf(t->work, sizeof t->work, "%s/test-env-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (rc == 0 && !mkdtemp(t->work))
        rc = al_err_set_errno(AL_EIO, "mkdtemp");
    if (rc == 0 && access("/usr/bin/mmdebstrap", X_OK) != 0)
        rc = al_err_set(AL_ENOTFOUND, "mmdebstrap is not installed");
    if (rc == 0 && mkdir("/var/cache/airlock", 0755) < 0 && errno != EEXIST)
        rc = al_err_set_errno(AL_EIO, "mkdir /var/cache/airlock");
    if (rc == 0)
        rc = env_image_build(t->spec, t->work, store && store[0] ? store : "/var/cache/airlock/test-envs", &t->img);
    if (rc == 0 && !(t->canon = envspec_canonical(t->spec, 0)))
        rc = AL_ENOMEM;
    if (rc == 0)
        rc = env_cache_new(&t->cache, cache_dir, 64ull << 30, s_fetch, t);
    if (rc != 0) {
        test_env_destroy(&t);
        return rc;
    }
    *out = t;
    return 0;
}

int test_env_acquire(test_env_t *t, int need_image, env_handle_t **out)
{
    return env_cache_acquire(t->cache, t->img.digest, need_image, out);
}

const char *test_env_blob(const test_env_t *t) { return t->img.blob; }

void test_env_destroy(test_env_t **p)
{
    test_env_t *t = p ? *p : NULL;
    if (!t)
        return;
    env_cache_destroy(&t->cache);
    envspec_destroy(&t->spec);
    free(t->canon);
    if (t->work[0]) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->work);
        if (system(cmd) != 0)
            fprintf(stderr, "test_env: could not remove %s\n", t->work);
    }
    free(t);
    *p = NULL;
}
