/*
 * redact.c: masking secrets before they are stored (redact.h). Owns nothing
 * between calls; the secrets analyzer core is driven line by line.
 */
#include "orchestrator/redact.h"
#include "orchestrator/airlockd.h"

#include "common/base64.h"
#include "common/error.h"
#include "common/log.h"
#include "an_input.h"
#include "secrets.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SPANS_MAX 64

typedef struct {
    char ev[SPANS_MAX][AN_EVIDENCE_MAX + 1];
    char rule[SPANS_MAX][64];
    size_t n;
} spans_t;

static int s_collect(void *ud, const an_finding_t *f)
{
    spans_t *s = ud;
    /* markers and allowlist files are reported by name, not secrets */
    if (!f->evidence || f->evidence_len < 8 || strcmp(f->rule_id, "secrets.allowlist_file") == 0 ||
        strcmp(f->rule_id, "secrets.allow_marker") == 0 || s->n == SPANS_MAX)
        return 0;
    memcpy(s->ev[s->n], f->evidence, f->evidence_len);
    s->ev[s->n][f->evidence_len] = '\0';
    snprintf(s->rule[s->n], sizeof s->rule[s->n], "%s", f->rule_id);
    s->n++;
    return 0;
}

static void s_scan(const char *text, size_t len, spans_t *spans)
{
    _Alignas(max_align_t) static _Thread_local unsigned char state[AN_STATE_MAX];
    const an_analyzer_t *a = &secrets_analyzer;
    a->begin(state, s_collect, spans);
    an_file_t f = { .old_path = "", .new_path = "redact.py", .new_path_len = 9, .flags = AN_FILE_NEW };
    a->visitor->on_file(state, &f);
    unsigned lineno = 1;
    for (size_t at = 0; at < len; lineno++) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        a->visitor->on_line(state, &f, AN_LINE_ADDED, lineno, text + at, n);
        at += n + 1;
    }
    if (a->end)
        a->end(state);
}

/* Appends text[0..n) to the growing buffer. */
static int s_put(char **buf, size_t *len, size_t *cap, const char *text, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = (*len + n + 1) * 2;
        char *g = realloc(*buf, nc);
        if (!g)
            return AL_ENOMEM;
        *buf = g;
        *cap = nc;
    }
    memcpy(*buf + *len, text, n);
    *len += n;
    (*buf)[*len] = '\0';
    return AL_OK;
}

/* The earliest occurrence of any span at or after `from`: its index or -1. */
static int s_next(const spans_t *s, const char *text, size_t len, size_t from, size_t *at)
{
    int best = -1;
    for (size_t i = 0; i < s->n; i++) {
        size_t n = strlen(s->ev[i]);
        for (size_t k = from; k + n <= len && (best < 0 || k < *at); k++)
            if (memcmp(text + k, s->ev[i], n) == 0) {
                *at = k;
                best = (int)i;
                break;
            }
    }
    return best;
}

int redact_text(const char *text, size_t len, char **out)
{
    *out = NULL;
    spans_t *s = calloc(1, sizeof *s);
    if (!s)
        return al_err_set(AL_ENOMEM, "out of memory");
    s_scan(text, len, s);
    char *buf = NULL;
    size_t blen = 0, cap = 0, from = 0, at = 0;
    int rc = AL_OK, i;
    while (rc == AL_OK && s->n && (i = s_next(s, text, len, from, &at)) >= 0) {
        char mark[96];
        int m = snprintf(mark, sizeof mark, "%.4s" REDACT_MARK "%s]", s->ev[i], s->rule[i]);
        rc = s_put(&buf, &blen, &cap, text + from, at - from);
        if (rc == AL_OK)
            rc = s_put(&buf, &blen, &cap, mark, (size_t)m);
        from = at + strlen(s->ev[i]);
    }
    if (rc == AL_OK && buf)
        rc = s_put(&buf, &blen, &cap, text + from, len - from);
    free(s);
    if (rc != AL_OK) {
        free(buf);
        return al_err_set(AL_ENOMEM, "out of memory");
    }
    *out = buf;
    return AL_OK;
}

/* Members holding bytes in base64 where text could not: a job's patch_b64
 * (a patch that is not UTF-8) and an event's <key>_raw_b64 (a file name). */
static int s_is_bytes(const char *key)
{
    size_t n = strlen(key);
    return strcmp(key, "patch_b64") == 0 || (n > 8 && strcmp(key + n - 8, "_raw_b64") == 0);
}

/* Their secrets are redacted in the decoded bytes, which are encoded again. */
static int s_redact_b64(json_t *v, int *changed)
{
    unsigned char *bytes = NULL;
    size_t n = 0;
    char *r = NULL, *enc = NULL;
    int rc = al_b64_decode(json_string_value(v), &bytes, &n);
    if (rc == AL_EINVAL)   /* not base64 (jobspec refuses it): redacted as text only */
        rc = AL_OK;
    else if (rc == AL_OK)
        rc = redact_text((const char *)bytes, n, &r);
    if (rc == AL_OK && r && (enc = al_b64_encode(r, strlen(r)))) {
        rc = json_string_set(v, enc) == 0 ? AL_OK : al_err_set(AL_ENOMEM, "out of memory");
        *changed = 1;
    } else if (rc != AL_OK || r) {
        rc = al_err_set(AL_ENOMEM, "out of memory");
    }
    free(bytes);
    free(r);
    free(enc);
    return rc;
}

/* Redacts every string below v in place; *changed set when one changed. */
static int s_walk(json_t *v, int *changed)
{
    int rc = AL_OK;
    if (json_is_string(v)) {
        char *r = NULL;
        rc = redact_text(json_string_value(v), json_string_length(v), &r);
        if (rc == AL_OK && r) {
            rc = json_string_set(v, r) == 0 ? AL_OK : al_err_set(AL_ENOMEM, "out of memory");
            *changed = 1;
        }
        free(r);
    } else if (json_is_array(v)) {
        for (size_t i = 0; rc == AL_OK && i < json_array_size(v); i++)
            rc = s_walk(json_array_get(v, i), changed);
    } else if (json_is_object(v)) {
        const char *key;
        json_t *val;
        void *tmp;
        json_object_foreach_safe(v, tmp, key, val) {
            char *rk = NULL;
            if (rc == AL_OK)
                rc = redact_text(key, strlen(key), &rk);
            if (rc == AL_OK)
                rc = s_walk(val, changed);
            if (rc == AL_OK && s_is_bytes(key) && json_is_string(val))
                rc = s_redact_b64(val, changed);
            if (rc == AL_OK && rk) {   /* a secret as a key: move the value */
                json_object_set(v, rk, val);
                json_object_del(v, key);
                *changed = 1;
            }
            free(rk);
        }
    }
    return rc;
}

int redact_json(const char *json, char **out)
{
    *out = NULL;
    json_error_t e;
    json_t *root = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!root)
        return al_err_set(AL_EINVAL, "redact: not JSON: %s", e.text);
    int changed = 0, rc = s_walk(root, &changed);
    if (rc == AL_OK && changed && !(*out = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY)))
        rc = al_err_set(AL_ENOMEM, "out of memory");
    json_decref(root);
    return rc;
}

void redact_json_inplace(char **json)
{
    char *r = NULL;
    if (!*json)
        return;
    if (redact_json(*json, &r) != AL_OK) {
        al_warn("redact.failed", "error=%s", al_err_msg());
        return;
    }
    if (r) {
        free(*json);
        *json = r;
    }
}

/* One ended job: its spec masked (or marked clean) by sql/0074. */
static int s_sweep_one(airlockd_t *d, const char *job_id, const char *spec)
{
    char *r = NULL;
    int rc = redact_json(spec, &r);
    if (rc != AL_OK && rc != AL_EINVAL)
        return rc;
    const char *params[] = { job_id, r };   /* NULL: nothing to mask */
    PGresult *res = NULL;
    rc = store_db_exec(d->db, &res, "SELECT airlock_job_spec_redacted($1, $2::jsonb)", 2, params);
    PQclear(res);
    if (rc == AL_OK && r)
        al_info("job.spec_redacted", "job=%s", job_id);
    free(r);
    return rc;
}

int redact_sweep(airlockd_t *d, int limit, int *done)
{
    *done = 0;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = { lim };
    PGresult *res = NULL;
    int rc = store_db_exec(d->db, &res, "SELECT id, spec::text FROM jobs WHERE NOT spec_redacted AND "
                           "state IN ('finished', 'cancelled') ORDER BY finished_at LIMIT $1::int", 1, params);
    for (int i = 0; rc == AL_OK && i < PQntuples(res); i++)
        if ((rc = s_sweep_one(d, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1))) == AL_OK)
            (*done)++;
    PQclear(res);
    return rc;
}
