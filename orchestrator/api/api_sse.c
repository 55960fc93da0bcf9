/*
 * api_sse.c: GET /v1/jobs/{id}/events as Server-Sent Events.
 *
 * Each stored event of the job is one SSE event: `id:` is its sequence number
 * (task_events.id, increasing within a job), `event:` its kind, `data:` one
 * JSON object {seq, kind, attempt, ts_us, data}. When the job has ended, one
 * `event: result` carries the verdict and the stream ends. A client resumes
 * with the Last-Event-ID header (or ?after=N): the stream starts after it.
 *
 * Streams are libmicrohttpd responses whose content reader fills a buffer
 * from PostgreSQL; with nothing to send it suspends the connection. The
 * dispatch thread's "EVENTS <task>" resumes the streams of that task; every
 * few seconds the tick resumes the others to look again (a dropped note costs
 * at most that) and, every keepalive_s, to send a comment line, which also
 * finds clients that went away.
 *
 * Owns: each stream (owned by its request, api_req_t.stream) and its buffer.
 */
#include "orchestrator/api/api.h"
#include "orchestrator/store/queue.h"
#include "common/error.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SSE_BATCH 64
#define SSE_RECHECK_MS 5000

typedef struct {
    api_req_t *req;
    char job_id[API_ID_MAX], task_id[API_ID_MAX];
    uint64_t next_seq;
    char *buf;
    size_t len, off;
    int suspended, done, closing;
    int64_t last_write_ms, last_check_ms;
    void *handle;                  /* in api_t.streams */
} sse_t;

static int64_t s_now_ms(void) { return zclock_mono(); }

static int s_append(sse_t *s, const char *text, size_t n)
{
    if (s->off == s->len)
        s->off = s->len = 0;
    char *grown = realloc(s->buf, s->len + n + 1);
    if (!grown)
        return AL_ENOMEM;
    memcpy(grown + s->len, text, n);
    s->buf = grown;
    s->len += n;
    return AL_OK;
}

static int s_append_event(sse_t *s, const char *id, const char *event, json_t *data)
{
    char *json = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    char *frame = NULL;
    int n = json ? asprintf(&frame, "%s%s%sevent: %s\ndata: %s\n\n", id ? "id: " : "", id ? id : "",
                            id ? "\n" : "", event, json) : -1;
    free(json);
    int rc = n < 0 ? AL_ENOMEM : s_append(s, frame, (size_t)n);
    free(frame);
    return rc;
}

static int s_fill_events(sse_t *s, api_t *a, size_t *got)
{
    store_event_row_t *rows = NULL;
    size_t n = 0;
    int rc = store_job_events(a->db, s->job_id, s->next_seq, SSE_BATCH, &rows, &n);
    for (size_t i = 0; rc == AL_OK && i < n; i++) {
        char id[24];
        snprintf(id, sizeof id, "%llu", (unsigned long long)rows[i].seq);
        json_t *data = json_loads(rows[i].data_json ? rows[i].data_json : "{}", 0, NULL);
        json_t *ev = json_pack("{s:I, s:s, s:i, s:I, s:o}", "seq", (json_int_t)rows[i].seq, "kind", rows[i].kind,
                               "attempt", rows[i].attempt, "ts_us", (json_int_t)rows[i].ts_us,
                               "data", data ? data : json_object());
        rc = s_append_event(s, id, rows[i].kind, ev);
        s->next_seq = rows[i].seq + 1;
    }
    store_event_rows_free(&rows, n);
    *got = n;
    return rc;
}

/* After the last event: the result, once the job has ended. */
static int s_fill_result(sse_t *s, api_t *a)
{
    store_job_row_t *job = NULL;
    int rc = store_job_get(a->db, s->job_id, &job);
    if (rc == AL_ENOTFOUND) {
        s->done = 1;
        return AL_OK;
    }
    if (rc != AL_OK)
        return rc;
    if (store_job_ended(job)) {
        json_t *summary = json_loads(job->summary_json ? job->summary_json : "{}", 0, NULL);
        json_t *res = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o}", "job_id", job->job_id, "state", job->state,
                                "verdict", store_job_verdict(job), "reason", job->reason,
                                "attempt", job->authoritative_attempt ? job->authoritative_attempt : job->attempt,
                                "summary", summary ? summary : json_object());
        rc = s_append_event(s, NULL, "result", res);
        s->done = 1;
    }
    store_job_rows_free(&job, 1);
    return rc;
}

/* Looks for news; a database failure ends the stream (the client resumes). */
static void s_fill(sse_t *s, api_t *a)
{
    s->last_check_ms = s_now_ms();
    size_t got = 0;
    int rc = api_db_ready(a);
    if (rc == AL_OK)
        rc = s_fill_events(s, a, &got);
    if (rc == AL_OK && got < SSE_BATCH)
        rc = s_fill_result(s, a);
    if (rc != AL_OK) {
        al_warn("api.events.failed", "job=%s error=%s", s->job_id, al_err_name(rc));
        s->closing = 1;
        return;
    }
    if (s->off == s->len && s_now_ms() - s->last_write_ms >= (int64_t)a->cfg.keepalive_s * 1000)
        s_append(s, ": keepalive\n\n", 13);
}

static ssize_t s_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    sse_t *s = cls;
    if (s->off == s->len && !s->done && !s->closing)
        s_fill(s, s->req->api);
    if (s->off < s->len) {
        size_t n = s->len - s->off < max ? s->len - s->off : max;
        memcpy(buf, s->buf + s->off, n);
        s->off += n;
        s->last_write_ms = s_now_ms();
        return (ssize_t)n;
    }
    if (s->done || s->closing)
        return MHD_CONTENT_READER_END_OF_STREAM;
    s->suspended = 1;
    MHD_suspend_connection(s->req->conn);
    return 0;
}

static uint64_t s_resume_from(api_req_t *r)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_LAST_EVENT_ID);
    const char *q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "after");
    const char *v = h && *h ? h : q;
    char *end = NULL;
    unsigned long long id = v ? strtoull(v, &end, 10) : 0;
    return v && end != v && *end == '\0' ? id + 1 : 0;
}

enum MHD_Result api_sse_start(api_req_t *r, const char *job_id)
{
    char task_id[API_ID_MAX];
    if (!api_require(r, API_SCOPE_READ) || !api_job_visible(r, job_id, task_id))
        return MHD_YES;
    sse_t *s = calloc(1, sizeof *s);
    if (!s)
        return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "out of memory", NULL);
    s->req = r;
    snprintf(s->job_id, sizeof s->job_id, "%s", job_id);
    snprintf(s->task_id, sizeof s->task_id, "%s", task_id);
    s->next_seq = s_resume_from(r);
    s->last_write_ms = s->last_check_ms = s_now_ms();
    s_append(s, "retry: 2000\n\n", 13);
    r->stream = s;
    s->handle = zlistx_add_end(r->api->streams, s);
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, s_reader, s, NULL);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");   /* nginx: do not buffer the stream */
    enum MHD_Result ok = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    r->responded = 1;
    al_info("api.events.start", "job=%s from_seq=%llu token=%s", job_id, (unsigned long long)s->next_seq,
            r->who.name);
    return ok;
}

static void s_resume(sse_t *s)
{
    if (!s->suspended)
        return;
    s->suspended = 0;
    MHD_resume_connection(s->req->conn);
}

void api_sse_wake(api_t *a, const char *task_id)
{
    for (sse_t *s = zlistx_first(a->streams); s; s = zlistx_next(a->streams))
        if (!task_id[0] || strcmp(task_id, s->task_id) == 0)
            s_resume(s);
}

void api_sse_tick(api_t *a)
{
    int64_t now = s_now_ms();
    for (sse_t *s = zlistx_first(a->streams); s; s = zlistx_next(a->streams))
        if (now - s->last_check_ms >= SSE_RECHECK_MS ||
            now - s->last_write_ms >= (int64_t)a->cfg.keepalive_s * 1000)
            s_resume(s);
}

void api_sse_close_all(api_t *a)
{
    for (sse_t *s = zlistx_first(a->streams); s; s = zlistx_next(a->streams)) {
        s->closing = 1;
        s_resume(s);
    }
}

void api_sse_free(api_req_t *r)
{
    sse_t *s = r->stream;
    if (!s)
        return;
    if (s->handle)
        zlistx_delete(r->api->streams, s->handle);
    free(s->buf);
    free(s);
    r->stream = NULL;
}
