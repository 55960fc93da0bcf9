/*
 * chaos.h: exactly-once under repeated faults (issue 15), shared by the
 * ctest variant (tests/integration/control/test_chaos.c, 100 jobs) and
 * bench/chaos (1,000 jobs).
 *
 * A cluster of real processes (cluster.h): two airlockd on one private
 * PostgreSQL, workers with the ns driver, the CLI with both endpoints. N jobs
 * of a short real command are submitted; while they run a worker is
 * SIGKILLed every kill_every_ms and started again restart_after_ms later, the
 * active airlockd is SIGKILLed once (when a third of the jobs finished; it
 * comes back as a standby) and PostgreSQL is restarted once (at two thirds).
 * An airlockd that exits (75: superseded after the restart) is started again,
 * as a supervisor would. Then everything is counted from PostgreSQL and
 * `airlock audit verify` checks the chain.
 */
#ifndef AIRLOCK_TEST_CHAOS_H
#define AIRLOCK_TEST_CHAOS_H

typedef struct {
    int jobs;
    int workers;
    int slots;
    int kill_every_ms;
    int restart_after_ms;
    const char *test_cmd;   /* the job's test command, e.g. "true" */
    int deadline_s;         /* give up (jobs count as lost) after this */
    int heartbeat_ms;       /* airlockd's (liveness 3): a worker silent 3 beats is dead */
} chaos_opts_t;

typedef struct {
    long jobs, finished, lost;   /* finished: ended with a verdict (state finished or cancelled) */
    long duplicated;        /* jobs with more than one authoritative result */
    long events_duplicated; /* (task, attempt, seq) stored more than once */
    long attempts_without_events;   /* done attempts lacking their test stage.end */
    long accepted, sandbox_error, cancelled, other_verdicts;
    long submit_failed;     /* jobs not accepted after 5 SUBMITs (same idempotency key) */
    long attempts;          /* task rows (1 per attempt) */
    long worker_kills, airlockd_kills, airlockd_restarts, pg_restarts;
    int audit_verify_exit;  /* 0 = the chain verifies */
    char audit_verify_out[512];
    double seconds;
    double load_before, load_after;   /* 1-minute load average */
    char dir[256];
} chaos_report_t;

/* Runs it; AL_OK when the run could be made (the report says how it went),
 * 77 when the ns driver cannot run here (the reason on stderr). */
int chaos_run(const chaos_opts_t *o, chaos_report_t *r);
void chaos_report_print(const chaos_report_t *r);

#endif
