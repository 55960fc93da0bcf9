/*
 * api_health.c: GET /healthz, for load balancers and orchestration: 200
 * {"status":"ok"} when the API's database connection answers, else 503. No
 * token needed; it says nothing about jobs.
 */
#include "orchestrator/api/api.h"
#include "common/error.h"

enum MHD_Result api_healthz(api_req_t *r)
{
    int rc = api_db_ready(r->api);
    if (rc == AL_OK)
        rc = store_db_run(r->api->db, "SELECT 1");
    if (rc != AL_OK)
        return api_reply_json(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                              json_pack("{s:s, s:s}", "status", "unavailable", "database", "down"));
    return api_reply_json(r, MHD_HTTP_OK, json_pack("{s:s, s:s, s:s}", "status", "ok", "database", "up",
                                                    "server", r->api->cfg.server_id));
}
