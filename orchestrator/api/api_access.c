/*
 * api_access.c: what a request of the HTTP API may do. api_require checks
 * its bearer token (api_auth.c) and the scope the endpoint needs; a
 * job's endpoints then ask api_job_visible whether the token's tenant may
 * see that job (tenancy.h). Refusals are answered here (401, 403, and 404
 * for a job the token may not see, exactly like a job that does not exist),
 * so a handler only returns when told no.
 *
 * Below the handlers (api_jobs.c, api_sse.c, api_metrics.c, ...), above
 * api_auth.c, api_reply.c and api_context.c (issue 16). Owns nothing: the
 * principal it finds is stored in the request (api_req_t.who).
 */
#include "orchestrator/api/api.h"
#include "common/error.h"

#include <stdio.h>

int api_require(api_req_t *r, unsigned scope)
{
    if (!r->authed) {
        const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (api_auth_check(r->api->auth, h, &r->who) != AL_OK) {
            api_reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", al_err_msg(), NULL);
            return 0;
        }
        r->authed = 1;
    }
    if ((r->who.scopes & scope) == scope || (r->who.scopes & API_SCOPE_ADMIN))
        return 1;
    static const char *const names[] = { "submit", "read", "cancel", "metrics", "admin" };
    char msg[160];
    for (int i = 0; i < 5; i++)
        if (scope & (1u << i))
            snprintf(msg, sizeof msg, "token '%s' lacks the scope '%s'", r->who.name, names[i]);
    api_reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden", msg, NULL);
    return 0;
}

int api_job_visible(api_req_t *r, const char *job_id, char task_id[API_ID_MAX])
{
    PGresult *res = NULL;
    const char *params[] = { job_id };
    int rc = api_db_ready(r->api);
    if (rc == AL_OK)
        rc = store_db_exec(r->api->db, &res, "SELECT task_id, tenant FROM jobs WHERE id = $1", 1, params);
    if (rc != AL_OK) {
        api_reply_store_error(r, rc);
        return 0;
    }
    tenant_who_t who;
    api_auth_tenancy(&r->who, &who);
    int ok = PQntuples(res) == 1 && tenant_may_see(&who, PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1));
    if (ok && task_id)
        snprintf(task_id, API_ID_MAX, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!ok)
        api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such job", NULL);
    return ok;
}
