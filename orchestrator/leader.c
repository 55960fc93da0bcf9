/*
 * leader.c: one active airlockd per database, any number standing by.
 *
 * The active airlockd holds a PostgreSQL session-level advisory lock
 * (STORE_LEADER_LOCK_KEY, not the migrator's) on its store connection, the one every statement of its
 * loop runs on. A standby has checked the schema like any airlockd, then
 * tries the lock every standby_poll_ms and binds no socket until it holds it:
 * clients and workers configured with every instance's endpoint reach the
 * active one only. When the active airlockd dies its session ends and
 * PostgreSQL frees the lock at once; the first standby to try takes it,
 * binds, requeues expired leases and serves the workers that say HELLO again.
 * PostgreSQL stays the truth: leases, attempts and results are rows, so
 * nothing a dead instance held in memory is needed.
 *
 * Fencing: a lost store connection loses the lock with the session. The
 * store's reconnect hook (store_db_on_reconnect) retakes it before any other
 * statement runs on the new session; when another airlockd became active
 * meanwhile the session is fenced, nothing more is written, and the daemon
 * stops with exit status 75 (run it under a supervisor that starts it again:
 * it comes back as a standby). See docs/ARCHITECTURE.md "Several airlockd".
 */
#include "orchestrator/airlockd.h"
#include "common/error.h"
#include "common/log.h"
#include "orchestrator/store/migrate.h"

#include <stdio.h>

static int s_try(store_db_t *db, int *held)
{
    PGresult *res = NULL;
    char key[24];   /* the one lock of the active airlockd of this database, not the migrator's */
    snprintf(key, sizeof key, "%lld", STORE_LEADER_LOCK_KEY);
    const char *params[] = { key };
    int rc = store_db_exec(db, &res, "SELECT pg_try_advisory_lock($1::bigint)", 1, params);
    *held = rc == AL_OK && PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return rc;
}

/* The reconnect hook: the new session must hold the lock before anything. */
static int s_retake(store_db_t *db, void *arg)
{
    airlockd_t *d = arg;
    int held = 0;
    int rc = s_try(db, &held);
    if (rc != AL_OK)
        return rc;
    if (held) {
        al_info("airlockd.lock_retaken", "server=%s", d->set.server_id);
        return AL_OK;
    }
    d->leadership_lost = 1;
    al_error("airlockd.leadership_lost", "server=%s reason=\"another airlockd became active while our "
             "database session was lost\" action=stop", d->set.server_id);
    return al_err_set(AL_ESTATE, "another airlockd is active");
}

int leader_acquire(airlockd_t *d)
{
    int64_t start = airlockd_now_ms();
    int logged = 0;
    while (!zsys_interrupted) {
        int held = 0;
        int rc = s_try(d->db, &held);
        if (rc == AL_OK && held) {
            store_db_on_reconnect(d->db, s_retake, d);
            al_info("airlockd.active", "server=%s standby_ms=%lld", d->set.server_id,
                    (long long)(airlockd_now_ms() - start));
            return AL_OK;
        }
        if (rc == AL_EAGAIN)
            store_db_ensure(d->db, 1);
        else if (rc != AL_OK)
            return rc;
        if (rc == AL_OK && !logged++)
            al_info("airlockd.standby", "server=%s poll_ms=%d reason=\"another airlockd is active\"",
                    d->set.server_id, d->set.standby_poll_ms);
        zclock_sleep(d->set.standby_poll_ms);
    }
    return al_err_set(AL_ECANCELLED, "stopped while standing by");
}
