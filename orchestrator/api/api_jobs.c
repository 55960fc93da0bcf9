/*
 * api_jobs.c: POST /v1/jobs, GET /v1/jobs/{id}, POST /v1/jobs/{id}/cancel,
 * GET /v1/jobs/{id}/sarif and /checks.
 *
 * A job is the same JSON as `airlock submit` sends (schemas/job.schema.json),
 * validated by common/jobspec; an invalid one is 400 naming the field. It is
 * stored by the same SQL function as a CurveZMQ SUBMIT (airlock_submit:
 * job, first attempt, audit row) under the token's identity, then the
 * dispatch thread is woken. Idempotency keys (the Idempotency-Key header or
 * the job's idempotency_key) are scoped to the tenant; the same key with a
 * different job is 409.
 */
#include "orchestrator/api/api.h"
#include "orchestrator/api/report.h"
#include "orchestrator/store/queue.h"
#include "common/error.h"
#include "common/jobspec/jobspec.h"
#include "common/log.h"
#include "common/states.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ASSIGN_JOB_MAX 1048576   /* schemas/protocol.json: ASSIGN.job */
#define IDEM_MAX 128

/* The field a jobspec message names ("policy.limits.timeout_s: ..." or
 * "policy: unknown field 'limts'"), NULL for the document as a whole. */
static char *s_field_of(const char *msg)
{
    const char *unknown = strstr(msg, "unknown field '");
    const char *colon = strstr(msg, ": ");
    char buf[256] = "";
    if (unknown) {
        const char *name = unknown + 15, *end = strchr(name, '\'');
        int prefix = colon && colon < unknown ? (int)(colon - msg) : 0;
        snprintf(buf, sizeof buf, "%.*s%s%.*s", prefix, msg, prefix ? "." : "",
                 end ? (int)(end - name) : 0, name);
    } else if (colon && strncmp(msg, "job:", 4) != 0) {
        snprintf(buf, sizeof buf, "%.*s", (int)(colon - msg), msg);
    }
    return buf[0] ? strdup(buf) : NULL;
}

static void s_iso8601(uint64_t us, char out[32])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%06uZ", (unsigned)(us % 1000000));
}

static json_t *s_links(const char *id)
{
    char base[128];
    snprintf(base, sizeof base, "/v1/jobs/%s", id);
    json_t *l = json_object();
    json_object_set_new(l, "self", json_string(base));
    json_object_set_new(l, "events", json_sprintf("%s/events", base));
    json_object_set_new(l, "cancel", json_sprintf("%s/cancel", base));
    json_object_set_new(l, "sarif", json_sprintf("%s/sarif", base));
    json_object_set_new(l, "checks", json_sprintf("%s/checks", base));
    return l;
}

static json_t *s_job_json(const store_job_row_t *j)
{
    char created[32], finished[32];
    s_iso8601(j->created_us, created);
    s_iso8601(j->finished_us, finished);
    json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "job_id", j->job_id, "state", j->state, "attempt",
                          j->attempt, "created_at", created);
    json_object_set_new(o, "verdict", j->verdict[0] ? json_string(j->verdict) : json_null());
    json_object_set_new(o, "reason", j->verdict[0] ? json_string(j->reason) : json_null());
    json_object_set_new(o, "finished_at", j->finished_us ? json_string(finished) : json_null());
    json_object_set_new(o, "worker", j->worker_name[0] ? json_string(j->worker_name) : json_null());
    /* why a queued job cannot start on any connected worker (sql/0030), null otherwise */
    json_object_set_new(o, "waiting_reason", j->waiting_reason[0] ? json_string(j->waiting_reason) : json_null());
    json_object_set_new(o, "labels", json_loads(j->labels_json ? j->labels_json : "{}", 0, NULL));
    json_object_set_new(o, "summary", json_loads(j->summary_json ? j->summary_json : "{}", 0, NULL));
    json_object_set_new(o, "links", s_links(j->job_id));
    return o;
}

static enum MHD_Result s_reply_job(api_req_t *r, unsigned status, const char *job_id)
{
    store_job_row_t *row = NULL;
    int rc = store_job_get(r->api->db, job_id, &row);
    if (rc == AL_ENOTFOUND)
        return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such job", NULL);
    if (rc != AL_OK)
        return api_reply_store_error(r, rc);
    json_t *body = s_job_json(row);
    store_job_rows_free(&row, 1);
    return api_reply_json(r, status, body);
}

enum MHD_Result api_jobs_get(api_req_t *r, const char *job_id)
{
    if (!api_require(r, API_SCOPE_READ) || !api_job_visible(r, job_id, NULL))
        return MHD_YES;
    return s_reply_job(r, MHD_HTTP_OK, job_id);
}

/* The idempotency key of a request, scoped "t/<tenant>/<key>"; NULL when
 * none. An invalid or conflicting key is answered (400) and *bad set. */
static char *s_idem_key(api_req_t *r, const jobspec_t *job, int *bad)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
    *bad = 0;
    if (h) {
        size_t n = strlen(h);
        int ok = n >= 1 && n <= IDEM_MAX;
        for (size_t i = 0; ok && i < n; i++)
            ok = h[i] > ' ' && h[i] < 0x7f;
        if (!ok || (job->idempotency_key && strcmp(job->idempotency_key, h) != 0)) {
            *bad = 1;
            api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid_header",
                            ok ? "Idempotency-Key differs from the job's idempotency_key"
                               : "Idempotency-Key must be 1 to 128 printable ASCII characters",
                            "Idempotency-Key");
            return NULL;
        }
    }
    const char *key = h ? h : job->idempotency_key;
    char *scoped = NULL;
    if (key && asprintf(&scoped, "t/%s/%s", r->who.tenant, key) < 0)
        scoped = NULL;
    return scoped;
}

/* Stores the job (canonical JSON) as the token's identity; 0 with job_id and
 * *existing, or an AL_E* code. */
static int s_store_submit(api_req_t *r, const char *idem, const char *spec, char job_id[API_ID_MAX],
                          int *existing, int *same_spec)
{
    char max[16];
    snprintf(max, sizeof max, "%d", r->api->cfg.max_attempts);
    const char *params[] = { idem, spec, max, r->who.key, r->who.tenant };
    PGresult *res = NULL;
    int rc = api_db_ready(r->api);
    if (rc == AL_OK)
        rc = store_db_exec(r->api->db, &res,
                           "SELECT job_id, existing FROM airlock_submit($1, $2::jsonb, ($2::jsonb)->'labels', "
                           "$3::int, $4, $5)", 5, params);
    if (rc != AL_OK)
        return rc;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return al_err_set(AL_EDB, "airlock_submit returned no row");
    }
    snprintf(job_id, API_ID_MAX, "%s", PQgetvalue(res, 0, 0));
    *existing = PQgetvalue(res, 0, 1)[0] == 't';
    *same_spec = 1;
    PQclear(res);
    if (!*existing)
        return AL_OK;
    /* the same key again: only for the same job (as submitted: the stored spec
     * may have been redacted since, sql/0073) */
    const char *check[] = { job_id, spec };
    rc = store_db_exec(r->api->db, &res, "SELECT spec_sha256 = encode(sha256(convert_to($2::jsonb::text, "
                       "'UTF8')), 'hex') FROM jobs WHERE id = $1", 2, check);
    if (rc == AL_OK)
        *same_spec = PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    return rc;
}

static enum MHD_Result s_submit_job(api_req_t *r, jobspec_t *job)
{
    int bad = 0;
    char *idem = s_idem_key(r, job, &bad);
    char *spec = bad ? NULL : jobspec_to_json(job);
    enum MHD_Result ok = MHD_YES;
    char job_id[API_ID_MAX] = "";
    int existing = 0, same = 1, rc = AL_OK;
    if (bad)
        goto done;
    if (!spec) {
        ok = api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", al_err_msg(), NULL);
        goto done;
    }
    if ((rc = tenant_repos_check(r->api->repos, r->who.tenant, job->repo)) != AL_OK) {
        ok = api_reply_error(r, MHD_HTTP_FORBIDDEN, "repository_not_allowed", al_err_msg(), "repo");
        goto done;
    }
    if (strlen(spec) > ASSIGN_JOB_MAX) {
        ok = api_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                             "the job's canonical JSON is over 1 MiB (the limit of a task assignment)", NULL);
        goto done;
    }
    if ((rc = s_store_submit(r, idem, spec, job_id, &existing, &same)) != AL_OK) {
        ok = api_reply_store_error(r, rc);
        goto done;
    }
    if (existing && !same) {
        ok = api_reply_error(r, MHD_HTTP_CONFLICT, "idempotency_conflict",
                             "this idempotency key was used for a different job", "Idempotency-Key");
        goto done;
    }
    al_info("api.job.accepted", "job=%s existing=%d token=%s identity=%s", job_id, existing, r->who.name,
            r->who.identity);
    if (!existing)
        api_tell_dispatch(r->api, "DISPATCH", NULL, NULL, NULL);
    char location[128];
    snprintf(location, sizeof location, "/v1/jobs/%s", job_id);
    json_t *body = json_pack("{s:s, s:b, s:o}", "job_id", job_id, "existing", existing, "links", s_links(job_id));
    ok = api_reply_json_header(r, existing ? MHD_HTTP_OK : MHD_HTTP_CREATED, body, MHD_HTTP_HEADER_LOCATION,
                               location);
done:
    free(idem);
    free(spec);
    return ok;
}

enum MHD_Result api_jobs_submit(api_req_t *r)
{
    if (!api_require(r, API_SCOPE_SUBMIT))
        return MHD_YES;
    const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct && strncasecmp(ct, "application/json", 16) != 0)
        return api_reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                               "send the job as application/json", NULL);
    jobspec_t *job = NULL;
    if (jobspec_parse(r->body ? r->body : "", r->body_len, &job) != AL_OK) {
        char *field = s_field_of(al_err_msg());
        enum MHD_Result ok = api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid_job", al_err_msg(), field);
        free(field);
        return ok;
    }
    enum MHD_Result ok = s_submit_job(r, job);
    jobspec_destroy(&job);
    return ok;
}

enum MHD_Result api_jobs_cancel(api_req_t *r, const char *job_id)
{
    char task_id[API_ID_MAX];
    if (!api_require(r, API_SCOPE_CANCEL) || !api_job_visible(r, job_id, task_id))
        return MHD_YES;
    store_job_row_t *row = NULL;
    tenant_who_t who;
    api_auth_tenancy(&r->who, &who);
    int rc = store_job_get(r->api->db, job_id, &row);
    int allowed = rc == AL_OK && tenant_may_cancel(&who, row->tenant);
    store_job_rows_free(&row, 1);
    if (rc != AL_OK)
        return api_reply_store_error(r, rc);
    if (!allowed)
        return api_reply_error(r, MHD_HTTP_FORBIDDEN, "forbidden", "this identity may read every tenant's jobs "
                               "but cancel only its own tenant's", NULL);
    store_cancel_outcome_t out;
    rc = store_job_cancel(r->api->db, job_id, r->who.key, &out);
    if (rc != AL_OK)
        return api_reply_store_error(r, rc);
    al_info("api.job.cancel", "job=%s state=%s token=%s", job_id, out.job_state, r->who.name);
    if (out.task_id[0] && out.worker[0]) {
        char attempt[16];
        snprintf(attempt, sizeof attempt, "%d", out.attempt);
        api_tell_dispatch(r->api, "CANCEL", out.worker, out.task_id, attempt);
    }
    api_sse_wake(r->api, task_id);   /* a queued job ended just now: its streams say so */
    /* 202 while a worker still has to stop it; 200 once it is over */
    int state = al_job_state_find(out.job_state);
    int over = state == AL_JOB_CANCELLED || state == AL_JOB_FINISHED;
    return s_reply_job(r, over ? MHD_HTTP_OK : MHD_HTTP_ACCEPTED, job_id);
}

static enum MHD_Result s_report(api_req_t *r, const char *job_id, int sarif)
{
    if (!api_require(r, API_SCOPE_READ) || !api_job_visible(r, job_id, NULL))
        return MHD_YES;
    report_job_t *job = NULL;
    int rc = report_job_load(r->api->db, job_id, &job);
    if (rc != AL_OK)
        return rc == AL_ENOTFOUND ? api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such job", NULL)
                                  : api_reply_store_error(r, rc);
    json_t *doc = sarif ? report_sarif(job) : report_checks(job);
    report_job_destroy(&job);
    if (!doc)
        return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", al_err_msg(), NULL);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    enum MHD_Result ok = text ? api_reply_text(r, MHD_HTTP_OK, sarif ? "application/sarif+json" : "application/json",
                                               text, strlen(text))
                              : api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory", NULL);
    free(text);
    return ok;
}

enum MHD_Result api_jobs_sarif(api_req_t *r, const char *job_id) { return s_report(r, job_id, 1); }
enum MHD_Result api_jobs_checks(api_req_t *r, const char *job_id) { return s_report(r, job_id, 0); }
