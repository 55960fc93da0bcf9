/*
 * api_github.c: POST /v1/github/webhook.
 *
 * Verifies X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the
 * webhook secret, compared in constant time) before reading anything else,
 * answers `ping`, ignores other events and pull_request actions other than
 * opened, synchronize and reopened, and queues the rest in github_deliveries
 * keyed by X-GitHub-Delivery: a redelivery of a delivery already queued or
 * done is answered "duplicate" and creates nothing (one that failed is
 * queued again). The answer goes out at once; the intake thread
 * (api_intake.c) fetches the pull request and submits the job. Nothing from
 * the repository is read or run in the request.
 */
#include "orchestrator/api/api.h"
#include "common/error.h"
#include "common/log.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_signature_ok(const api_t *a, const char *header, const char *body, size_t len)
{
    unsigned char want[32], got[EVP_MAX_MD_SIZE];
    unsigned got_len = 0;
    if (!header || strncmp(header, "sha256=", 7) != 0 || strlen(header) != 7 + 64)
        return 0;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        const char *h = header + 7 + 2 * i;
        if (!isxdigit((unsigned char)h[0]) || !isxdigit((unsigned char)h[1]) || sscanf(h, "%2x", &v) != 1)
            return 0;
        want[i] = (unsigned char)v;
    }
    if (!HMAC(EVP_sha256(), a->github_secret, (int)a->github_secret_len, (const unsigned char *)(body ? body : ""),
              len, got, &got_len) || got_len != 32)
        return 0;
    return CRYPTO_memcmp(want, got, 32) == 0;
}

static int s_token_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
            return 0;
    return n >= 1 && n <= max;
}

static int s_sha_ok(const char *s)
{
    return s && strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

/* The fields of a pull_request event the intake needs, checked; NULL with
 * *field set when one is missing or malformed. */
static json_t *s_pr_fields(json_t *ev, const char **field)
{
    json_t *pr = json_object_get(ev, "pull_request");
    const char *repo = json_string_value(json_object_get(json_object_get(ev, "repository"), "full_name"));
    const char *url = json_string_value(json_object_get(json_object_get(ev, "repository"), "clone_url"));
    json_t *head = json_object_get(pr, "head"), *base = json_object_get(pr, "base");
    const char *head_sha = json_string_value(json_object_get(head, "sha"));
    const char *base_sha = json_string_value(json_object_get(base, "sha"));
    const char *base_ref = json_string_value(json_object_get(base, "ref"));
    json_int_t number = json_integer_value(json_object_get(pr, "number"));
    *field = !repo || strlen(repo) > 200 || !strchr(repo, '/') ? "repository.full_name"
             : !url ? "repository.clone_url"
             : number <= 0 ? "pull_request.number"
             : !s_sha_ok(head_sha) ? "pull_request.head.sha"
             : !s_sha_ok(base_sha) ? "pull_request.base.sha"
             : !base_ref || !*base_ref || strlen(base_ref) > 200 ? "pull_request.base.ref" : NULL;
    if (*field)
        return NULL;
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "repo", repo, "clone_url", url, "number", number,
                     "head_sha", head_sha, "base_sha", base_sha, "base_ref", base_ref);
}

/* The configured job template of a repository (github_repos), with its
 * identity resolved to a key and tenant now, in the request's thread. */
static int s_identity(api_req_t *r, const char *repo, json_t *fields)
{
    json_t *map = json_object_get(r->api->github_repos, repo);
    const char *identity = json_string_value(json_object_get(map, "identity"));
    api_principal_t who;
    if (!map)
        return AL_ENOTFOUND;
    if (!identity || api_auth_identity(r->api->auth, identity, &who) != AL_OK)
        return al_err_set(AL_ECONFIG, "github_repos: %s: identity %s", repo,
                          identity ? al_err_msg() : "missing");
    json_object_set_new(fields, "identity_key", json_string(who.key));
    json_object_set_new(fields, "tenant", json_string(who.tenant));
    return AL_OK;
}

/* Inserts the delivery; *dup = 1 (with the row's state and job) when it was
 * there already and is not a failed one, which is queued again. */
static int s_store(api_req_t *r, const char *delivery, const char *action, json_t *fields, const char *state,
                   int *dup, char *old_state, char *job_id)
{
    char *payload = json_dumps(fields, JSON_COMPACT);
    char number[24];
    snprintf(number, sizeof number, "%lld", (long long)json_integer_value(json_object_get(fields, "number")));
    const char *params[] = { delivery, action, json_string_value(json_object_get(fields, "repo")), number,
                             json_string_value(json_object_get(fields, "head_sha")),
                             json_string_value(json_object_get(fields, "base_sha")), payload, state };
    PGresult *res = NULL;
    int rc = api_db_ready(r->api);
    if (rc == AL_OK)
        rc = store_db_exec(r->api->db, &res,
            "WITH ins AS (INSERT INTO github_deliveries (delivery_id, event, action, repo, pr_number, head_sha, "
            "base_sha, payload, state) VALUES ($1, 'pull_request', $2, $3, $4::int, $5, $6, $7::jsonb, $8) "
            "ON CONFLICT (delivery_id) DO UPDATE SET state = 'queued', error = NULL "
            "WHERE github_deliveries.state = 'failed' RETURNING 1) "
            "SELECT (SELECT count(*) FROM ins), d.state, COALESCE(d.job_id, '') FROM (SELECT 1) x "
            "LEFT JOIN github_deliveries d ON d.delivery_id = $1", 8, params);
    free(payload);
    if (rc != AL_OK)
        return rc;
    *dup = strcmp(PQgetvalue(res, 0, 0), "0") == 0 && !PQgetisnull(res, 0, 1);
    snprintf(old_state, 16, "%s", PQgetvalue(res, 0, 1));
    snprintf(job_id, API_ID_MAX, "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    return AL_OK;
}

static enum MHD_Result s_pull_request(api_req_t *r, const char *delivery, json_t *ev)
{
    const char *action = json_string_value(json_object_get(ev, "action"));
    if (!action || (strcmp(action, "opened") && strcmp(action, "synchronize") && strcmp(action, "reopened")))
        return api_reply_json(r, MHD_HTTP_ACCEPTED, json_pack("{s:s, s:s}", "status", "ignored", "reason",
                                                              "pull_request action other than opened, synchronize, reopened"));
    const char *field = NULL;
    json_t *fields = s_pr_fields(ev, &field);
    if (!fields)
        return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid_event", "malformed pull_request event", field);
    int rc = s_identity(r, json_string_value(json_object_get(fields, "repo")), fields);
    if (rc != AL_OK && rc != AL_ENOTFOUND) {
        al_warn("api.github.config", "delivery=%s error=%s", delivery, al_err_msg());
        json_decref(fields);
        return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "misconfigured", al_err_msg(), NULL);
    }
    const char *state = rc == AL_ENOTFOUND ? "ignored" : "queued";
    int dup = 0;
    char old_state[16] = "", job_id[API_ID_MAX] = "";
    int src = s_store(r, delivery, action, fields, state, &dup, old_state, job_id);
    al_info("api.github.delivery", "delivery=%s repo=%s pr=%lld action=%s state=%s duplicate=%d", delivery,
            json_string_value(json_object_get(fields, "repo")),
            (long long)json_integer_value(json_object_get(fields, "number")), action, dup ? old_state : state, dup);
    json_decref(fields);
    if (src != AL_OK)
        return api_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", al_err_msg(), NULL);
    if (dup)
        return api_reply_json(r, MHD_HTTP_OK, json_pack("{s:s, s:s, s:s, s:s}", "status", "duplicate", "delivery",
                                                        delivery, "state", old_state, "job_id", job_id));
    if (strcmp(state, "queued") == 0)
        api_intake_wake(r->api);
    return api_reply_json(r, MHD_HTTP_ACCEPTED,
                          json_pack("{s:s, s:s}", "status", state, "delivery", delivery));
}

enum MHD_Result api_github_webhook(api_req_t *r)
{
    api_t *a = r->api;
    if (!a->github_secret)
        return api_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "the GitHub webhook is not configured", NULL);
    const char *sig = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Hub-Signature-256");
    if (!s_signature_ok(a, sig, r->body, r->body_len)) {
        al_warn("api.github.bad_signature", "signature=%s", sig ? "wrong" : "missing");
        return api_reply_error(r, MHD_HTTP_UNAUTHORIZED, "invalid_signature",
                               "X-Hub-Signature-256 missing or wrong", "X-Hub-Signature-256");
    }
    const char *event = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-GitHub-Event");
    const char *delivery = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-GitHub-Delivery");
    if (!s_token_ok(event, 64) || !s_token_ok(delivery, 128))
        return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid_event", "X-GitHub-Event or X-GitHub-Delivery missing",
                               !s_token_ok(event, 64) ? "X-GitHub-Event" : "X-GitHub-Delivery");
    if (strcmp(event, "ping") == 0)
        return api_reply_json(r, MHD_HTTP_OK, json_pack("{s:s}", "status", "pong"));
    if (strcmp(event, "pull_request") != 0)
        return api_reply_json(r, MHD_HTTP_ACCEPTED, json_pack("{s:s, s:s}", "status", "ignored", "reason",
                                                              "not a pull_request event"));
    json_error_t e;
    json_t *ev = json_loadb(r->body ? r->body : "", r->body_len, 0, &e);
    if (!json_is_object(ev)) {
        json_decref(ev);
        return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid_event", "the body is not a JSON object", NULL);
    }
    enum MHD_Result ok = s_pull_request(r, delivery, ev);
    json_decref(ev);
    return ok;
}
