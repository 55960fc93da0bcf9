/*
 * sb_run.h: test helper shared by the sandbox_ns and hostile suites: run one
 * command in a sandbox and keep its output (first SB_RUN_KEEP bytes per stream),
 * its result and the exec events the driver reported.
 */
#ifndef AIRLOCK_TEST_SB_RUN_H
#define AIRLOCK_TEST_SB_RUN_H

#include "worker/sandbox/sandbox.h"

#include <stddef.h>

#define SB_RUN_KEEP (2 * 1024 * 1024)
#define SB_RUN_EVENTS 64

typedef struct {
    int rc;                          /* sandbox_exec's return */
    sandbox_exec_result_t res;
    char *out, *err;                 /* NUL-terminated, owned */
    size_t out_len, err_len;
    int n_events;
    char *event_path[SB_RUN_EVENTS]; /* owned */
    char *event_argv[SB_RUN_EVENTS];
    int event_uid[SB_RUN_EVENTS];
} sb_run_t;

/* Runs `sh -c script` (timeout_ms, env may be NULL). Always fills r; free with sb_run_free. */
void sb_run_sh(sandbox_t *sb, sb_run_t *r, const char *script, unsigned timeout_ms,
               const char *const *env);
void sb_run_argv(sandbox_t *sb, sb_run_t *r, const char *const *argv, unsigned timeout_ms,
                 const char *const *env);
void sb_run_free(sb_run_t *r);
/* 1 if some event's path ends with `suffix`. */
int sb_run_saw_exec(const sb_run_t *r, const char *suffix);

#endif
