/*
 * test_env.h: environments for sandbox-level tests, prepared exactly as a
 * worker prepares them (worker/env: verify, unpack, finalize, erofs), from an
 * image built here with the CLI's builder (cli/env_image.h, mmdebstrap). The
 * image is served to the cache from a local file instead of airlockd; the
 * end-to-end tests (tests/integration/environments) use the real path.
 *
 * Built images are kept in $AIRLOCK_TEST_ENV_CACHE (default
 * /var/cache/airlock/test-envs) by the digest of their spec, so a test run
 * builds each environment once. Skip-worthy failures (no mmdebstrap, no
 * network to Debian's archive) come back as AL_ENOTFOUND with the reason.
 */
#ifndef AIRLOCK_TEST_ENV_H
#define AIRLOCK_TEST_ENV_H

#include "worker/env/env_cache.h"

typedef struct test_env test_env_t;

/* spec_path: an environment spec file. cache_dir: the worker-side cache to
 * fill (created). */
int test_env_new(test_env_t **out, const char *spec_path, const char *cache_dir);
/* The handle of the environment (need_image: with its erofs image). */
int test_env_acquire(test_env_t *t, int need_image, env_handle_t **out);
/* The image file and its metadata, for tests that tamper with them. */
const char *test_env_blob(const test_env_t *t);
void test_env_destroy(test_env_t **t);

#endif
