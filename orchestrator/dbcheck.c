/*
 * dbcheck.c: leaf helpers every part of airlockd uses (the database's state
 * after a store call, the monotonic clock). They live below daemon.c, the
 * message handlers and the timers, so that those import no cycle through the
 * daemon's life cycle (issue 16).
 */
#include "orchestrator/airlockd.h"
#include "common/error.h"
#include "common/log.h"

#include <time.h>

int64_t airlockd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int airlockd_db_check(airlockd_t *d, int rc, const char *what)
{
    if (rc == AL_OK) {
        if (d->db_down)
            al_info("db.up", "what=%s reconnects=%u", what, store_db_reconnects(d->db));
        d->db_down = 0;
        return rc;
    }
    char msg[300];
    al_error("db.error", "what=%s code=%s msg=%s", what, al_err_name(rc),
             al_log_quote(msg, sizeof msg, al_err_msg()));
    if (rc == AL_EAGAIN) {
        d->db_down = 1;
        store_db_ensure(d->db, 0);
    }
    return rc;
}
