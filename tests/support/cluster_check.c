/*
 * cluster_check.c: see cluster_check.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cluster_check.h"

int cluster_check_teardown(void **state)
{
    cluster_t *c = *state;
    cluster_stop(&c);
    *state = NULL;
    return 0;
}

void cluster_check_wait(cluster_t *c, const char *sql, int timeout_ms)
{
    if (!cluster_wait_sql(c, sql, timeout_ms))
        fail_msg("condition not reached in %d ms: %s (logs in %s)", timeout_ms, sql, cluster_dir(c));
}
