/*
 * cluster_check.h: cmocka glue for tests on a cluster (cluster.h), shared by
 * the control-plane and CLI tests: the group teardown that stops the cluster
 * a setup left in *state, and a wait on a SQL condition that fails the test
 * naming the condition and where the processes' logs are.
 * Separate from cluster.c, which benches link without cmocka.
 */
#ifndef AIRLOCK_TEST_CLUSTER_CHECK_H
#define AIRLOCK_TEST_CLUSTER_CHECK_H

#include "cluster.h"

/* cmocka teardown: stops the cluster_t in *state (NULL-safe). Returns 0. */
int cluster_check_teardown(void **state);

/* Waits until `sql` (one boolean) is true, at most timeout_ms; fails the
 * test otherwise (cluster_wait_sql does the waiting). */
void cluster_check_wait(cluster_t *c, const char *sql, int timeout_ms);

#endif
