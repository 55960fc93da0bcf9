/*
 * client_api.c: requests from clients (the airlock CLI, PR bots). Only peers
 * whose certificate says role=client get here. Every request is answered
 * (ERROR with a stable code on failure) and carries req_id back. Tenancy
 * (tenancy.h): a client sees, waits for, cancels and lists the jobs of its
 * own tenant (others are NOT_FOUND, like jobs that do not exist) unless its
 * certificate's access says reader or admin; its jobs' repositories must be
 * under its tenant's roots; idempotency keys are scoped to the tenant.
 */
#include "orchestrator/airlockd.h"
#include "orchestrator/store/env.h"
#include "orchestrator/convert.h"
#include "orchestrator/store/queue.h"
#include "orchestrator/tenancy/tenancy.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/jobspec/jobspec.h"
#include "common/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT 50
#define LIST_MAX 1000

static void s_store_error(airlockd_t *d, zframe_t *routing, uint64_t req_id, int rc, const char *what)
{
    airlockd_db_check(d, rc, what);
    client_reply_error(d, routing, req_id, rc == AL_ENOTFOUND ? "NOT_FOUND" : al_err_name(rc), al_err_msg());
}

static char *s_labels_json(const jobspec_t *job)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < job->labels.n; i++)
        json_object_set_new(obj, job->labels.items[i].key, json_string(job->labels.items[i].value));
    char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(obj);
    return text;
}

/* A SUBMIT checked and converted for the store; NULL strings when refused
 * (the ERROR is sent). */
typedef struct {
    char *spec, *labels, *idem_key;
    tenant_who_t who;
} submit_in_t;

/* A job's environment (name or digest) becomes the digest of a complete
 * environment, so every attempt runs on the same root whatever happens to the
 * name later. The error names what is missing. */
static int s_resolve_environment(airlockd_t *d, jobspec_t *job)
{
    char digest[STORE_ENV_DIGEST_MAX];
    int rc = airlockd_db_check(d, store_env_resolve(d->db, job->environment, digest), "env_resolve");
    if (rc == AL_ENOTFOUND)
        return al_err_set(AL_EINVAL, "environment: '%s' is not a registered environment (airlock env list)",
                          job->environment);
    if (rc != AL_OK)
        return rc;
    char *copy = strdup(digest);
    if (!copy)
        return al_err_set(AL_ENOMEM, "out of memory");
    free(job->environment);
    job->environment = copy;
    return AL_OK;
}

/* The peer as tenancy sees it; answers FORBIDDEN itself when the
 * certificate's metadata is unusable. 0 when the caller may go on. */
static int s_who(airlockd_t *d, wire_peer_t *peer, uint64_t req_id, tenant_who_t *who)
{
    int rc = tenant_who_set(who, peer->key, peer->tenant, peer->access);
    if (rc != AL_OK)
        client_reply_error(d, peer->routing, req_id, "FORBIDDEN", al_err_msg());
    return rc;
}

/* The idempotency key scoped to the tenant, "t/<tenant>/<key>" (as the HTTP
 * API), so that one tenant's key never names another's job. */
static char *s_scoped_key(const tenant_who_t *who, const char *key)
{
    char *scoped = NULL;
    if (key && asprintf(&scoped, "t/%s/%s", who->tenant, key) < 0)
        scoped = NULL;
    return scoped;
}

static int s_submit_prepare(airlockd_t *d, wire_peer_t *peer, const proto_c_submit_t *req,
                            submit_in_t *in)
{
    memset(in, 0, sizeof *in);
    jobspec_t *job = NULL;
    if (s_who(d, peer, req->req_id, &in->who) != AL_OK)
        return AL_EPOLICY;
    int rc = jobspec_parse(req->job, strlen(req->job), &job);
    if (rc == AL_OK && job->environment && (rc = s_resolve_environment(d, job)) != AL_OK && rc != AL_EINVAL) {
        s_store_error(d, peer->routing, req->req_id, rc, "submit");
        jobspec_destroy(&job);
        return rc;
    }
    if (rc != AL_OK) {
        client_reply_error(d, peer->routing, req->req_id, "INVALID_JOB", al_err_msg());
        jobspec_destroy(&job);
        return rc;
    }
    if ((rc = tenant_repos_check(d->repos, in->who.tenant, job->repo)) != AL_OK) {
        al_warn("job.refused", "tenant=%s reason=repository_roots", in->who.tenant);
        client_reply_error(d, peer->routing, req->req_id, "FORBIDDEN", al_err_msg());
        jobspec_destroy(&job);
        return rc;
    }
    in->spec = jobspec_to_json(job);
    in->labels = s_labels_json(job);
    const char *key = job->idempotency_key;
    in->idem_key = s_scoped_key(&in->who, key);
    int oom = !in->spec || !in->labels || (key && !in->idem_key);
    jobspec_destroy(&job);
    if (oom) {
        rc = al_err_set(AL_ENOMEM, "out of memory");
        s_store_error(d, peer->routing, req->req_id, rc, "submit");
    }
    return rc;
}

static void s_submit_free(submit_in_t *in)
{
    free(in->spec);
    free(in->labels);
    free(in->idem_key);
    memset(in, 0, sizeof *in);
}

static void s_accepted(airlockd_t *d, wire_peer_t *peer, uint64_t req_id, const char *job_id,
                       int existing)
{
    al_info("job.accepted", "job=%s existing=%d", job_id, existing);
    proto_msg_t *m = proto_msg_new(PROTO_C_ACCEPTED);
    if (m) {
        m->body.c_accepted.req_id = req_id;
        m->body.c_accepted.existing = existing;
        proto_str_set(&m->body.c_accepted.job_id, job_id);
    }
    client_reply_send(d, peer->routing, m);
    if (!existing)
        scheduler_request(d);
}

static void s_submit(airlockd_t *d, wire_peer_t *peer, const proto_c_submit_t *req)
{
    submit_in_t in;
    if (s_submit_prepare(d, peer, req, &in) != AL_OK) {
        s_submit_free(&in);
        return;
    }
    char job_id[STORE_ID_MAX] = "";
    int existing = 0;
    int rc = store_job_submit(d->db, in.idem_key, in.spec, in.labels, d->set.max_attempts,
                              peer->key, in.who.tenant, job_id, &existing);
    s_submit_free(&in);
    if (rc != AL_OK) {
        s_store_error(d, peer->routing, req->req_id, rc, "submit");
        return;
    }
    s_accepted(d, peer, req->req_id, job_id, existing);
}

/* The job if `who` may see it; NOT_FOUND (answered here) like a job that
 * does not exist otherwise. */
static store_job_row_t *s_visible_job(airlockd_t *d, zframe_t *routing, uint64_t req_id, const tenant_who_t *who,
                                      const char *job_id, const char *what)
{
    store_job_row_t *row = NULL;
    int rc = store_job_get(d->db, job_id, &row);
    if (rc == AL_OK && !tenant_may_see(who, row->tenant)) {
        store_job_rows_free(&row, 1);
        rc = al_err_set(AL_ENOTFOUND, "no job %s", job_id);
    }
    if (rc != AL_OK)
        s_store_error(d, routing, req_id, rc, what);
    return row;
}

static void s_status_reply(airlockd_t *d, zframe_t *routing, uint64_t req_id, const tenant_who_t *who,
                           const char *job_id)
{
    store_job_row_t *row = s_visible_job(d, routing, req_id, who, job_id, "status");
    if (!row)
        return;
    proto_msg_t *m = proto_msg_new(PROTO_C_STATUS_REPLY);
    if (m) {
        m->body.c_status_reply.req_id = req_id;
        if (convert_job_info(row, &m->body.c_status_reply.job) != AL_OK)
            proto_msg_destroy(&m);
    }
    store_job_rows_free(&row, 1);
    if (!m) {
        client_reply_error(d, routing, req_id, "AL_ENOMEM", al_err_msg());
        return;
    }
    client_reply_send(d, routing, m);
}

static void s_wait(airlockd_t *d, wire_peer_t *peer, const tenant_who_t *who, const proto_c_wait_t *req)
{
    store_job_row_t *row = s_visible_job(d, peer->routing, req->req_id, who, req->job_id, "wait");
    if (!row)
        return;
    int rc = waiters_add(d, peer->routing, req->req_id, row->job_id, row->task_id, req->from_seq);
    store_job_rows_free(&row, 1);
    if (rc != AL_OK)
        client_reply_error(d, peer->routing, req->req_id, al_err_name(rc), al_err_msg());
}

static void s_cancel(airlockd_t *d, wire_peer_t *peer, const tenant_who_t *who, const proto_c_cancel_t *req)
{
    store_job_row_t *row = s_visible_job(d, peer->routing, req->req_id, who, req->job_id, "cancel");
    if (!row)
        return;
    int allowed = tenant_may_cancel(who, row->tenant);
    store_job_rows_free(&row, 1);
    if (!allowed) {   /* a reader sees other tenants' jobs but cancels only its own */
        client_reply_error(d, peer->routing, req->req_id, "FORBIDDEN",
                         "this certificate may read every tenant's jobs but cancel only its own tenant's");
        return;
    }
    store_cancel_outcome_t out;
    int rc = store_job_cancel(d->db, req->job_id, peer->key, &out);
    if (rc == AL_OK && !out.found)
        rc = al_err_set(AL_ENOTFOUND, "no job %s", req->job_id);
    if (rc != AL_OK) {
        s_store_error(d, peer->routing, req->req_id, rc, "cancel");
        return;
    }
    al_info("job.cancel", "job=%s state=%s tenant=%s", req->job_id, out.job_state, who->tenant);
    if (out.task_id[0] && out.worker[0])
        scheduler_send_cancel(d, out.worker, out.task_id, out.attempt, "cancelled by client");
    waiters_pump(d, "");
    s_status_reply(d, peer->routing, req->req_id, who, req->job_id);
}

static void s_list(airlockd_t *d, wire_peer_t *peer, const tenant_who_t *who, const proto_c_list_t *req)
{
    int limit = req->limit == 0 ? LIST_DEFAULT : req->limit > LIST_MAX ? LIST_MAX : (int)req->limit;
    store_job_row_t *rows = NULL;
    size_t n = 0;
    int rc = store_jobs_list(d->db, req->has_state ? req->state : NULL, tenant_list_filter(who), limit, &rows, &n);
    if (rc != AL_OK) {
        s_store_error(d, peer->routing, req->req_id, rc, "list");
        return;
    }
    proto_msg_t *m = proto_msg_new(PROTO_C_LIST_REPLY);
    proto_job_info_list_t *jobs = m ? &m->body.c_list_reply.jobs : NULL;
    if (jobs && n) {
        jobs->items = calloc(n, sizeof *jobs->items);
        jobs->count = jobs->items ? n : 0;
    }
    for (size_t i = 0; jobs && i < jobs->count; i++)
        convert_job_info(&rows[i], &jobs->items[i]);
    if (m)
        m->body.c_list_reply.req_id = req->req_id;
    store_job_rows_free(&rows, n);
    client_reply_send(d, peer->routing, m);
}

static void s_workers(airlockd_t *d, wire_peer_t *peer, const proto_c_workers_t *req)
{
    store_worker_row_t *rows = NULL;
    size_t n = 0;
    int rc = store_workers_list(d->db, &rows, &n);
    if (rc != AL_OK) {
        s_store_error(d, peer->routing, req->req_id, rc, "workers");
        return;
    }
    proto_msg_t *m = proto_msg_new(PROTO_C_WORKERS_REPLY);
    proto_worker_info_list_t *list = m ? &m->body.c_workers_reply.workers : NULL;
    if (list && n) {
        list->items = calloc(n, sizeof *list->items);
        list->count = list->items ? n : 0;
    }
    for (size_t i = 0; list && i < list->count; i++) {
        worker_entry_t *w = registry_get(d->registry, rows[i].worker_id);
        convert_worker_info(&rows[i], w ? registry_capacity(w) : 0, w != NULL, &list->items[i]);
    }
    if (m)
        m->body.c_workers_reply.req_id = req->req_id;
    store_worker_rows_free(&rows, n);
    client_reply_send(d, peer->routing, m);
}

void client_api_handle(airlockd_t *d, wire_peer_t *peer, proto_msg_t *msg)
{
    if (strcmp(peer->role, CURVE_ROLE_CLIENT) != 0) {
        al_warn("client.refused", "type=%s role=%s", proto_type_name(msg->type),
                peer->role[0] ? peer->role : "none");
        client_reply_error(d, peer->routing, 0, "FORBIDDEN", "certificate role is not client");
        return;
    }
    tenant_who_t who;
    if (msg->type != PROTO_C_SUBMIT && s_who(d, peer, 0, &who) != AL_OK)
        return;
    switch (msg->type) {
    case PROTO_C_SUBMIT: s_submit(d, peer, &msg->body.c_submit); break;
    case PROTO_C_STATUS:
        s_status_reply(d, peer->routing, msg->body.c_status.req_id, &who, msg->body.c_status.job_id);
        break;
    case PROTO_C_WAIT: s_wait(d, peer, &who, &msg->body.c_wait); break;
    case PROTO_C_CANCEL: s_cancel(d, peer, &who, &msg->body.c_cancel); break;
    case PROTO_C_LIST: s_list(d, peer, &who, &msg->body.c_list); break;
    case PROTO_C_WORKERS: s_workers(d, peer, &msg->body.c_workers); break;
    case PROTO_C_ENV_BEGIN:
    case PROTO_C_ENV_CHUNK:
    case PROTO_C_ENV_COMMIT:
    case PROTO_C_ENV_LIST: env_api_client(d, peer, msg); break;
    default:
        client_reply_error(d, peer->routing, 0, "UNEXPECTED_TYPE",
                         "this message type is sent by airlockd, not to it");
        break;
    }
}

/* SUBMITs of one loop turn in one transaction; ACCEPTED only after it
 * committed. On a server error each is submitted on its own, as without
 * batching (an idempotency key seen twice in one batch gives the same job). */
static void s_submit_batch(airlockd_t *d, wire_peer_t **peers, proto_msg_t **msgs, size_t n)
{
    store_submit_item_t *items = calloc(n, sizeof *items);
    submit_in_t *in = calloc(n, sizeof *in);
    size_t k = 0;
    for (size_t i = 0; items && in && i < n; i++) {
        if (s_submit_prepare(d, peers[i], &msgs[i]->body.c_submit, &in[k]) != AL_OK) {
            s_submit_free(&in[k]);
            continue;   /* answered with ERROR */
        }
        items[k] = (store_submit_item_t){ .idem_key = in[k].idem_key, .spec_json = in[k].spec,
                                          .labels_json = in[k].labels, .client = peers[i]->key,
                                          .tenant = in[k].who.tenant };
        peers[k] = peers[i];
        msgs[k++] = msgs[i];
    }
    int rc = !(items && in) ? al_err_set(AL_ENOMEM, "out of memory")
             : k ? store_jobs_submit_batch(d->db, items, k, d->set.max_attempts) : AL_OK;
    if (airlockd_db_check(d, rc, "submit_batch") == AL_OK) {
        for (size_t i = 0; i < k; i++)
            s_accepted(d, peers[i], msgs[i]->body.c_submit.req_id, items[i].job_id,
                       items[i].existing);
    } else if (rc == AL_EDB) {   /* rolled back by the server: retry one by one */
        for (size_t i = 0; i < k; i++)
            s_submit(d, peers[i], &msgs[i]->body.c_submit);   /* answers ERROR when still failing */
    } else {   /* connection lost (outcome unknown) or no memory: as a single SUBMIT, ERROR */
        for (size_t i = 0; i < k; i++)
            client_reply_error(d, peers[i]->routing, msgs[i]->body.c_submit.req_id, al_err_name(rc),
                             al_err_msg());
    }
    for (size_t i = 0; in && i < k; i++)
        s_submit_free(&in[i]);
    free(in);
    free(items);
}

void client_api_handle_batch(airlockd_t *d, wire_peer_t *peers, proto_msg_t **msgs, size_t n)
{
    wire_peer_t **run_p = calloc(n ? n : 1, sizeof *run_p);
    proto_msg_t **run_m = calloc(n ? n : 1, sizeof *run_m);
    size_t k = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && run_p && run_m && msgs[i]->type == PROTO_C_SUBMIT &&
            strcmp(peers[i].role, CURVE_ROLE_CLIENT) == 0) {
            run_p[k] = &peers[i];
            run_m[k++] = msgs[i];
            continue;
        }
        if (k == 1)
            client_api_handle(d, run_p[0], run_m[0]);
        else if (k > 1)   /* stored before what follows it (a STATUS may name it) */
            s_submit_batch(d, run_p, run_m, k);
        k = 0;
        if (i < n)
            client_api_handle(d, &peers[i], msgs[i]);
    }
    free(run_p);
    free(run_m);
}
