/*
 * test_microvm_restore.c: clone restores under load, none may hang or fall
 * back to a cold boot (issue 13).
 *
 * Two threads restore AIRLOCK_RESTORE_CLONES (default 200) copy-on-write clones
 * of the process's base VM at once, on real qemu (TCG here), each running one
 * command before it is destroyed. A restore that never reaches "running" makes
 * the driver time out and boot that sandbox cold: info.restored is 0 and the
 * test fails, naming the clone. Skips (77) when the microvm driver is missing.
 */
#include "worker/sandbox/sandbox.h"
#include "common/error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 2

static char s_state[] = "/tmp/airlock-test-restore-XXXXXX";
static atomic_int s_next, s_failed, s_cold;
static int s_total;

static void s_discard(void *ctx, int stream, const char *data, size_t len)
{
    (void)ctx, (void)stream, (void)data, (void)len;
}

/* One clone: create, one command, destroy; 0 when it was restored and ran. */
static int s_one_clone(int n)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "microvm";
    spec.task_id = "test-restore";
    spec.limits.disk_mb = 64;
    spec.state_dir = s_state;
    sandbox_t *sb = NULL;
    int rc = sandbox_create(&sb, &spec);
    if (rc < 0) {
        fprintf(stderr, "clone %d: create: %s %s\n", n, al_err_name(rc), al_err_msg());
        return -1;
    }
    const char *argv[] = { "true", NULL };
    sandbox_exec_req_t rq = { .argv = argv, .timeout_ms = 120000, .on_output = s_discard };
    sandbox_exec_result_t res;
    rc = sandbox_exec(sb, &rq, &res);
    if (rc < 0 || !res.exited || res.exit_code != 0)
        fprintf(stderr, "clone %d: exec: rc=%d exited=%d code=%d %s\n", n, rc, res.exited, res.exit_code,
                rc < 0 ? al_err_msg() : "");
    else if (!sandbox_info(sb)->restored) {
        fprintf(stderr, "clone %d: booted cold: a restore failed (see sandbox.microvm.clone_failed)\n", n);
        atomic_fetch_add(&s_cold, 1);
        rc = -1;
    }
    sandbox_destroy(&sb);
    return rc < 0 || !res.exited || res.exit_code != 0 ? -1 : 0;
}

static void *s_restorer(void *arg)
{
    (void)arg;
    int n;
    while ((n = atomic_fetch_add(&s_next, 1)) < s_total && atomic_load(&s_cold) == 0)
        if (s_one_clone(n) < 0)
            atomic_fetch_add(&s_failed, 1);
    return NULL;
}

int main(void)
{
    if (!sandbox_driver_available("microvm")) {
        printf("SKIP: microvm driver unavailable: %s\n", al_err_msg());
        return 77;
    }
    const char *n = getenv("AIRLOCK_RESTORE_CLONES");
    s_total = n ? atoi(n) : 200;
    if (s_total <= 0 || !mkdtemp(s_state))
        return 1;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, s_restorer, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    rmdir(s_state);
    int done = atomic_load(&s_next) < s_total ? atomic_load(&s_next) : s_total;
    printf("%d of %d clones started, %d failed, %d cold fallbacks\n", done, s_total, atomic_load(&s_failed),
           atomic_load(&s_cold));
    return atomic_load(&s_failed) == 0 && done == s_total ? 0 : 1;
}
