/*
 * plcluster.h: pipeline test helpers on top of tests/support/cluster.c: a
 * named airlock-worker with a sandbox driver, plugins_dir and labels
 * (started by cluster_worker_spawn_named, ready once airlockd lists it), job
 * files written with jansson, patches made by git from a scripted change,
 * and waits on a job's verdict.
 *
 * Ownership: pl_worker_start() fills a pl_worker_t the caller stops with
 * pl_worker_stop() (SIGKILL of its process group, reaped). Strings returned
 * as char * are malloc'd and the caller's.
 */
#ifndef AIRLOCK_TEST_PLCLUSTER_H
#define AIRLOCK_TEST_PLCLUSTER_H

#include <jansson.h>
#include <sys/types.h>

#include "cluster.h"

typedef struct {
    pid_t pid;
    char name[32];
    char key[48];                 /* Z85 public key: workers.id, audit_log.actor */
    char state_dir[400];
    char log[400];
} pl_worker_t;

/* Starts airlock-worker `name` with drivers=<driver>, plugins_dir and labels
 * ("k=v,k=v" or ""); its key is added to airlockd's allowed certificates.
 * Ready when airlockd lists it as a connected worker. */
int pl_worker_start(cluster_t *c, pl_worker_t *w, const char *name, const char *driver,
                    const char *plugins_dir, const char *labels);
void pl_worker_stop(pl_worker_t *w);
/* Number of processes descending from the worker (its children and theirs),
 * but for its own: the janitor and those of its warm pool (working under
 * <state_dir>/pool/). What is left is a task's leftover. */
int pl_worker_descendants(const pl_worker_t *w);
/* Waits (hang guard: 15 min) until the worker's log holds needle: AL_OK or AL_ETIMEOUT. */
int pl_worker_log_wait(const pl_worker_t *w, const char *needle);
/* Number of entries in <state_dir>/t (-1 when it cannot be read). */
int pl_worker_task_dirs(const pl_worker_t *w);

/* Runs a shell script with `sh -c`; 0 or AL_EIO. */
int pl_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* In repo: runs `change` (shell) in the work tree, takes `git diff --cached
 * --binary` of everything as the patch and resets the tree. */
char *pl_patch(const char *repo, const char *change);

/* Writes `job` to <cluster>/<name>.json, submits it with the CLI; job id. */
char *pl_submit(cluster_t *c, const char *name, json_t *job);
/* Waits until the job is finished (or a long deadline); its verdict ("" on timeout). */
char *pl_wait_verdict(cluster_t *c, const char *job_id);
/* First column of the first row of sql with %s replaced by arg, as text (NULL when no row). */
char *pl_sql_text(cluster_t *c, const char *fmt, const char *arg);
long pl_sql_long(cluster_t *c, const char *fmt, const char *arg);

#endif
