/*
 * api_context.c: what a handler of the HTTP API uses of the actor beyond its
 * own request: the actor's database connection (reconnected on demand), and
 * notes to the other threads, the dispatch thread ("DISPATCH", "CANCEL ...",
 * carried out by orchestrator/api_bridge.c) and the GitHub intake ("WORK").
 * Notes never block: one that cannot be sent is logged and the periodic
 * checks on the other side catch up.
 *
 * A leaf of orchestrator/api (issue 16). Owns nothing: the connection and
 * the sockets belong to the api_t (api_server.c).
 */
#include "orchestrator/api/api.h"
#include "common/error.h"
#include "common/log.h"

void api_tell_dispatch(api_t *a, const char *what, const char *a1, const char *a2, const char *a3)
{
    if (zstr_sendx(a->pipe, what, a1 ? a1 : "", a2 ? a2 : "", a3 ? a3 : "", NULL) != 0)
        al_warn("api.dispatch_note_lost", "what=%s", what);
}

int api_db_ready(api_t *a)
{
    return store_db_ensure(a->db, 2);
}


void api_intake_wake(api_t *a)
{
    if (a->intake)
        zstr_send(a->intake, "WORK");
}
