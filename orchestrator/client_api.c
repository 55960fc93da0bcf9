/*
 * client_api.c: requests from clients (the airlock CLI, PR bots). Only peers
 * whose certificate says role=client get here. Every request is answered
 * (ERROR with a stable code on failure) and carries req_id back.
 */
#include "orchestrator/airlockd.h"
#include "orchestrator/convert.h"
#include "orchestrator/store/queue.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/jobspec/jobspec.h"
#include "common/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT 50
#define LIST_MAX 1000

static void s_reply(airlockd_t *d, zframe_t *routing, proto_msg_t *m)
{
    if (m && wire_send(d->clients_sock, routing, m) != AL_OK)
        al_debug("client.send_failed", "type=%s", proto_type_name(m->type));
    proto_msg_destroy(&m);
}

void client_api_error(airlockd_t *d, zframe_t *routing, uint64_t req_id, const char *code,
                      const char *message)
{
    proto_msg_t *m = proto_msg_new(PROTO_C_ERROR);
    if (!m)
        return;
    m->body.c_error.req_id = req_id;
    proto_str_set(&m->body.c_error.code, code);
    char msg[4000];
    snprintf(msg, sizeof msg, "%s", message ? message : "");
    proto_str_set(&m->body.c_error.message, msg);
    s_reply(d, routing, m);
}

static void s_store_error(airlockd_t *d, zframe_t *routing, uint64_t req_id, int rc, const char *what)
{
    airlockd_db_check(d, rc, what);
    client_api_error(d, routing, req_id, rc == AL_ENOTFOUND ? "NOT_FOUND" : al_err_name(rc), al_err_msg());
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

static void s_submit(airlockd_t *d, wire_peer_t *peer, const proto_c_submit_t *req)
{
    jobspec_t *job = NULL;
    int rc = jobspec_parse(req->job, strlen(req->job), &job);
    if (rc != AL_OK) {
        client_api_error(d, peer->routing, req->req_id, "INVALID_JOB", al_err_msg());
        return;
    }
    char *spec = jobspec_to_json(job);
    char *labels = s_labels_json(job);
    char job_id[STORE_ID_MAX] = "";
    int existing = 0;
    rc = (spec && labels) ? store_job_submit(d->db, job->idempotency_key, spec, labels,
                                             d->set.max_attempts, peer->key, job_id, &existing)
                          : al_err_set(AL_ENOMEM, "out of memory");
    free(spec);
    free(labels);
    jobspec_destroy(&job);
    if (rc != AL_OK) {
        s_store_error(d, peer->routing, req->req_id, rc, "submit");
        return;
    }
    al_info("job.accepted", "job=%s existing=%d", job_id, existing);
    proto_msg_t *m = proto_msg_new(PROTO_C_ACCEPTED);
    if (m) {
        m->body.c_accepted.req_id = req->req_id;
        m->body.c_accepted.existing = existing;
        proto_str_set(&m->body.c_accepted.job_id, job_id);
    }
    s_reply(d, peer->routing, m);
    if (!existing)
        scheduler_request(d);
}

static void s_status_reply(airlockd_t *d, zframe_t *routing, uint64_t req_id, const char *job_id)
{
    store_job_row_t *row = NULL;
    int rc = store_job_get(d->db, job_id, &row);
    if (rc != AL_OK) {
        s_store_error(d, routing, req_id, rc, "status");
        return;
    }
    proto_msg_t *m = proto_msg_new(PROTO_C_STATUS_REPLY);
    if (m) {
        m->body.c_status_reply.req_id = req_id;
        if (convert_job_info(row, &m->body.c_status_reply.job) != AL_OK)
            proto_msg_destroy(&m);
    }
    store_job_rows_free(&row, 1);
    if (!m) {
        client_api_error(d, routing, req_id, "AL_ENOMEM", al_err_msg());
        return;
    }
    s_reply(d, routing, m);
}

static void s_wait(airlockd_t *d, wire_peer_t *peer, const proto_c_wait_t *req)
{
    store_job_row_t *row = NULL;
    int rc = store_job_get(d->db, req->job_id, &row);
    if (rc != AL_OK) {
        s_store_error(d, peer->routing, req->req_id, rc, "wait");
        return;
    }
    rc = waiters_add(d, peer->routing, req->req_id, row->job_id, row->task_id, req->from_seq);
    store_job_rows_free(&row, 1);
    if (rc != AL_OK)
        client_api_error(d, peer->routing, req->req_id, al_err_name(rc), al_err_msg());
}

static void s_cancel(airlockd_t *d, wire_peer_t *peer, const proto_c_cancel_t *req)
{
    store_cancel_outcome_t out;
    int rc = store_job_cancel(d->db, req->job_id, peer->key, &out);
    if (rc == AL_OK && !out.found)
        rc = al_err_set(AL_ENOTFOUND, "no job %s", req->job_id);
    if (rc != AL_OK) {
        s_store_error(d, peer->routing, req->req_id, rc, "cancel");
        return;
    }
    al_info("job.cancel", "job=%s state=%s", req->job_id, out.job_state);
    if (out.task_id[0] && out.worker[0])
        scheduler_send_cancel(d, out.worker, out.task_id, out.attempt, "cancelled by client");
    waiters_pump(d, "");
    s_status_reply(d, peer->routing, req->req_id, req->job_id);
}

static void s_list(airlockd_t *d, wire_peer_t *peer, const proto_c_list_t *req)
{
    int limit = req->limit == 0 ? LIST_DEFAULT : req->limit > LIST_MAX ? LIST_MAX : (int)req->limit;
    store_job_row_t *rows = NULL;
    size_t n = 0;
    int rc = store_jobs_list(d->db, req->has_state ? req->state : NULL, limit, &rows, &n);
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
    s_reply(d, peer->routing, m);
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
    s_reply(d, peer->routing, m);
}

void client_api_handle(airlockd_t *d, wire_peer_t *peer, proto_msg_t *msg)
{
    if (strcmp(peer->role, CURVE_ROLE_CLIENT) != 0) {
        al_warn("client.refused", "type=%s role=%s", proto_type_name(msg->type),
                peer->role[0] ? peer->role : "none");
        client_api_error(d, peer->routing, 0, "FORBIDDEN", "certificate role is not client");
        return;
    }
    switch (msg->type) {
    case PROTO_C_SUBMIT: s_submit(d, peer, &msg->body.c_submit); break;
    case PROTO_C_STATUS:
        s_status_reply(d, peer->routing, msg->body.c_status.req_id, msg->body.c_status.job_id);
        break;
    case PROTO_C_WAIT: s_wait(d, peer, &msg->body.c_wait); break;
    case PROTO_C_CANCEL: s_cancel(d, peer, &msg->body.c_cancel); break;
    case PROTO_C_LIST: s_list(d, peer, &msg->body.c_list); break;
    case PROTO_C_WORKERS: s_workers(d, peer, &msg->body.c_workers); break;
    default:
        client_api_error(d, peer->routing, 0, "UNEXPECTED_TYPE",
                         "this message type is sent by airlockd, not to it");
        break;
    }
}
