/*
 * api_reply.c: the HTTP API's answers. Every answer is JSON except /metrics
 * and the event stream; a failure is {"error": {"code", "message", "field"}}.
 * Each answer is logged (method, path, status, token name), marks the
 * request answered, and a 401 carries the Bearer challenge.
 *
 * A leaf of orchestrator/api: the router (api_server.c), the access checks
 * (api_access.c) and the handlers all answer through it, and it calls none
 * of them (issue 16). Owns nothing beyond each response it queues.
 */
#include "orchestrator/api/api.h"
#include "common/error.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

static enum MHD_Result s_reply(api_req_t *r, unsigned status, const char *content_type, const char *text,
                               size_t len, const char *hdr, const char *value)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (hdr)
        MHD_add_response_header(resp, hdr, value);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"airlock\"");
    enum MHD_Result ok = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->responded = 1;
    al_log(status >= 500 ? AL_LOG_WARN : AL_LOG_INFO, "api.request", "method=%s path=%.200s status=%u token=%s",
           r->method, r->path, status, r->authed ? r->who.name : "-");
    return ok;
}

enum MHD_Result api_reply_text(api_req_t *r, unsigned status, const char *content_type, const char *text,
                               size_t len)
{
    return s_reply(r, status, content_type, text, len, NULL, NULL);
}

enum MHD_Result api_reply_json_header(api_req_t *r, unsigned status, json_t *body, const char *hdr,
                                      const char *value)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return api_reply_text(r, 500, "application/json",
                              "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\"}}", 62);
    enum MHD_Result ok = s_reply(r, status, "application/json", text, strlen(text), hdr, value);
    free(text);
    return ok;
}

enum MHD_Result api_reply_json(api_req_t *r, unsigned status, json_t *body)
{
    return api_reply_json_header(r, status, body, NULL, NULL);
}

enum MHD_Result api_reply_error(api_req_t *r, unsigned status, const char *code, const char *message,
                                const char *field)
{
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message ? message : "");
    if (e && field)
        json_object_set_new(e, "field", json_string(field));
    return api_reply_json(r, status, json_pack("{s:o}", "error", e));
}

enum MHD_Result api_reply_store_error(api_req_t *r, int rc)
{
    if (rc == AL_EAGAIN)
        return api_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", "database unavailable", NULL);
    return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", al_err_msg(), NULL);
}
