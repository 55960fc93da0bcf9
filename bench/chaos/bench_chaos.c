/*
 * bench_chaos.c: the full chaos run of issue 15 (see chaos.h).
 *
 *   bench_chaos [JOBS] [WORKERS] [KILL_EVERY_MS]    (defaults 1000 3 5000)
 *
 * Prints jobs done/lost/duplicated, events stored twice, audit verification,
 * the faults made, the time and the machine's load. Exit 0 when nothing was
 * lost or doubled and the audit chain verifies, 1 otherwise, 77 when the ns
 * driver cannot run here.
 */
#include "chaos.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    chaos_opts_t o = { .jobs = argc > 1 ? atoi(argv[1]) : 1000, .workers = argc > 2 ? atoi(argv[2]) : 3,
                       .slots = 2, .kill_every_ms = argc > 3 ? atoi(argv[3]) : 5000,
                       .restart_after_ms = 500, .heartbeat_ms = 500, .test_cmd = "echo chaos && test -f calc.py",
                       .deadline_s = 3600 };
    if (o.jobs < 1 || o.workers < 2 || o.workers > 8 || o.kill_every_ms < 100) {
        fprintf(stderr, "usage: bench_chaos [JOBS>=1] [WORKERS 2..8] [KILL_EVERY_MS>=100]\n");
        return 2;
    }
    chaos_report_t r;
    int rc = chaos_run(&o, &r);
    if (rc == 77)
        return 77;
    if (rc != AL_OK) {
        fprintf(stderr, "bench_chaos: %s\n", al_err_msg());
        return 1;
    }
    chaos_report_print(&r);
    if (r.lost || r.duplicated || r.cancelled || r.submit_failed || r.events_duplicated || r.attempts_without_events || r.audit_verify_exit) {
        printf("chaos: logs kept in %s\n", r.dir);
        return 1;
    }
    return 0;
}
