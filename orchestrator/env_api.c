/*
 * env_api.c: environments over both channels (docs/ENVIRONMENTS.md).
 *
 * Clients upload an image with ENV_BEGIN, ENV_CHUNK... and ENV_COMMIT, and
 * list the registry with ENV_LIST; workers fetch an image chunk by chunk with
 * ENV_GET -> ENV_DATA. airlockd trusts nothing the uploader says about the
 * image: it recomputes the digest from the spec and the tree hash
 * (common/envspec), takes chunks only in order, hashes them as they arrive
 * and compares with blob_sha256 before the environment becomes usable. An
 * upload in progress lives in memory only: after a restart the client starts
 * over (ENV_BEGIN drops what was stored of an unfinished upload).
 *
 * Owns: the table of uploads in progress (env_uploads_t, one per airlockd).
 */
#include "orchestrator/airlockd.h"
#include "orchestrator/store/env.h"
#include "common/digest.h"
#include "common/envspec/envspec.h"
#include "common/error.h"
#include "common/log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define UPLOADS_MAX 16
#define UPLOAD_IDLE_MS (10 * 60 * 1000)

typedef struct {
    char digest[STORE_ENV_DIGEST_MAX];
    char blob_sha256[65];
    char client[48];
    uint64_t next, blob_bytes;
    al_sha256_t *hash;
    int64_t last_ms;
} upload_t;

struct env_uploads {
    upload_t slot[UPLOADS_MAX];
};

env_uploads_t *env_uploads_new(void)
{
    return calloc(1, sizeof(env_uploads_t));
}

static void s_drop(upload_t *u)
{
    al_sha256_destroy(&u->hash);
    memset(u, 0, sizeof *u);
}

void env_uploads_destroy(env_uploads_t **p)
{
    if (!p || !*p)
        return;
    for (size_t i = 0; i < UPLOADS_MAX; i++)
        s_drop(&(*p)->slot[i]);
    free(*p);
    *p = NULL;
}

static upload_t *s_find(env_uploads_t *t, const char *digest)
{
    for (size_t i = 0; i < UPLOADS_MAX; i++)
        if (t->slot[i].hash && !strcmp(t->slot[i].digest, digest))
            return &t->slot[i];
    return NULL;
}

/* A free slot (the upload of digest, idle ones and finally none). */
static upload_t *s_slot(env_uploads_t *t, const char *digest)
{
    upload_t *u = s_find(t, digest);
    int64_t now = airlockd_now_ms();
    for (size_t i = 0; !u && i < UPLOADS_MAX; i++)
        if (!t->slot[i].hash || now - t->slot[i].last_ms > UPLOAD_IDLE_MS)
            u = &t->slot[i];
    if (u)
        s_drop(u);
    return u;
}

static void s_reply(airlockd_t *d, wire_peer_t *peer, uint64_t req_id, const char *digest, int complete,
                    uint64_t next)
{
    proto_msg_t *m = proto_msg_new(PROTO_C_ENV_REPLY);
    if (!m)
        return;
    m->body.c_env_reply.req_id = req_id;
    proto_str_set(&m->body.c_env_reply.digest, digest);
    m->body.c_env_reply.complete = complete != 0;
    m->body.c_env_reply.next_offset = next;
    if (wire_send(d->clients_sock, peer->routing, m) != AL_OK)
        al_warn("env.reply_failed", "error=\"%s\"", al_err_msg());
    proto_msg_destroy(&m);
}

static void s_error(airlockd_t *d, wire_peer_t *peer, uint64_t req_id, int rc, const char *code)
{
    al_warn("env.refused", "client=%s code=%s reason=\"%s\"", peer->key, code, al_err_msg());
    client_reply_error(d, peer->routing, req_id, code ? code : al_err_name(rc), al_err_msg());
}

/* The digest the spec and tree hash give, compared with what the client says. */
static int s_check_begin(const proto_c_env_begin_t *b, char *canon_out, size_t canon_size)
{
    envspec_t *s = NULL;
    char digest[ENVSPEC_DIGEST_LEN + 1];
    int rc = envspec_parse(b->spec, strlen(b->spec), &s);
    if (rc == AL_OK && (!al_sha256_hex_valid(b->tree_sha256) || !al_sha256_hex_valid(b->blob_sha256)))
        rc = al_err_set(AL_EINVAL, "tree_sha256 and blob_sha256 must be 64 lower-case hex digits");
    if (rc == AL_OK && (b->blob_bytes == 0 || b->tree_bytes == 0))
        rc = al_err_set(AL_EINVAL, "an empty image cannot be an environment");
    if (rc == AL_OK)
        rc = envspec_digest(s, b->tree_sha256, digest);
    if (rc == AL_OK && strcmp(digest, b->digest) != 0)
        rc = al_err_set(AL_EINVAL, "digest %s does not match the spec and tree (%s)", b->digest, digest);
    char *canon = rc == AL_OK ? envspec_canonical(s, 0) : NULL;
    if (rc == AL_OK && (!canon || strlen(canon) >= canon_size))
        rc = al_err_set(AL_ELIMIT, "spec too large");
    if (rc == AL_OK)
        memcpy(canon_out, canon, strlen(canon) + 1);
    free(canon);
    envspec_destroy(&s);
    return rc;
}

static void s_begin(airlockd_t *d, wire_peer_t *peer, const proto_c_env_begin_t *b)
{
    static char canon[ENVSPEC_MAX_JSON + 1];
    int rc = s_check_begin(b, canon, sizeof canon);
    if (rc == AL_OK && b->blob_bytes > (uint64_t)d->set.max_environment_mb << 20)
        rc = al_err_set(AL_ELIMIT, "image of %" PRIu64 " bytes exceeds max_environment_mb (%d)", b->blob_bytes,
                        d->set.max_environment_mb);
    if (rc != AL_OK) {
        s_error(d, peer, b->req_id, rc, "INVALID_ENVIRONMENT");
        return;
    }
    store_env_upload_t up = { .digest = b->digest, .spec_json = canon, .tree_sha256 = b->tree_sha256,
                              .blob_sha256 = b->blob_sha256, .client = peer->key, .tree_bytes = b->tree_bytes,
                              .blob_bytes = b->blob_bytes };
    int complete = 0;
    rc = airlockd_db_check(d, store_env_begin(d->db, &up, &complete), "env_begin");
    upload_t *u = rc == AL_OK && !complete ? s_slot(d->env_uploads, b->digest) : NULL;
    if (rc == AL_OK && !complete && !u)
        rc = al_err_set(AL_EAGAIN, "%d uploads in progress: try again later", UPLOADS_MAX);
    if (rc == AL_OK && u && !(u->hash = al_sha256_new()))
        rc = AL_ENOMEM;
    if (rc != AL_OK) {
        s_error(d, peer, b->req_id, rc, NULL);
        return;
    }
    if (u) {
        snprintf(u->digest, sizeof u->digest, "%s", b->digest);
        snprintf(u->blob_sha256, sizeof u->blob_sha256, "%s", b->blob_sha256);
        snprintf(u->client, sizeof u->client, "%s", peer->key);
        u->blob_bytes = b->blob_bytes;
        u->last_ms = airlockd_now_ms();
    }
    al_info("env.upload_begin", "client=%s digest=%s bytes=%" PRIu64 " stored=%d", peer->key, b->digest,
            b->blob_bytes, complete);
    s_reply(d, peer, b->req_id, b->digest, complete, complete ? b->blob_bytes : 0);
}

static void s_chunk(airlockd_t *d, wire_peer_t *peer, const proto_c_env_chunk_t *c)
{
    upload_t *u = s_find(d->env_uploads, c->digest);
    int rc = AL_OK;
    if (!u || strcmp(u->client, peer->key) != 0)
        rc = al_err_set(AL_ESTATE, "no upload of %s in progress from this client (send ENV_BEGIN)", c->digest);
    else if (c->offset != u->next)
        rc = al_err_set(AL_EINVAL, "chunk at offset %" PRIu64 ", expected %" PRIu64, c->offset, u->next);
    else if (c->data.len == 0)
        rc = al_err_set(AL_EINVAL, "empty chunk");
    uint64_t next = 0;
    if (rc == AL_OK)
        rc = airlockd_db_check(d, store_env_chunk(d->db, c->digest, c->offset, c->data.data, c->data.len, &next),
                               "env_chunk");
    if (rc == AL_OK)
        rc = al_sha256_update(u->hash, c->data.data, c->data.len);
    if (rc != AL_OK) {
        if (u)
            s_drop(u);
        s_error(d, peer, c->req_id, rc, NULL);
        return;
    }
    u->next = next;
    u->last_ms = airlockd_now_ms();
    s_reply(d, peer, c->req_id, c->digest, 0, next);
}

/* An upload is verified when every byte arrived and the hash matches; an
 * environment already complete needs no upload (a new name for it). */
static int s_verified(airlockd_t *d, upload_t *u, const char *digest)
{
    if (!u) {
        store_env_meta_t m;
        int rc = store_env_meta(d->db, digest, &m);
        int complete = m.complete;
        store_env_meta_free(&m);
        if (rc == AL_OK && !complete)
            rc = al_err_set(AL_ESTATE, "no verified upload of %s (start over with ENV_BEGIN)", digest);
        return rc;
    }
    char hex[AL_SHA256_HEX_LEN + 1];
    if (u->next != u->blob_bytes)
        return al_err_set(AL_EINVAL, "%" PRIu64 " of %" PRIu64 " bytes received", u->next, u->blob_bytes);
    int rc = al_sha256_final_hex(u->hash, hex);
    if (rc == AL_OK && strcmp(hex, u->blob_sha256) != 0)
        rc = al_err_set(AL_EINVAL, "image sha256 %s, announced %s: upload refused", hex, u->blob_sha256);
    return rc;
}

static void s_commit(airlockd_t *d, wire_peer_t *peer, const proto_c_env_commit_t *c)
{
    upload_t *u = s_find(d->env_uploads, c->digest);
    if (u && strcmp(u->client, peer->key) != 0)
        u = NULL;
    int rc = envspec_name_valid(c->name) ? AL_OK
                                          : al_err_set(AL_EINVAL, "name: must match [a-z0-9][a-z0-9._-]{0,63}");
    if (rc == AL_OK)
        rc = airlockd_db_check(d, s_verified(d, u, c->digest), "env_verify");
    if (rc == AL_OK)
        rc = airlockd_db_check(d, store_env_commit(d->db, c->digest, c->name, peer->key), "env_commit");
    if (u)
        s_drop(u);
    if (rc != AL_OK) {
        s_error(d, peer, c->req_id, rc, rc == AL_EINVAL ? "INVALID_ENVIRONMENT" : NULL);
        return;
    }
    al_info("env.registered", "client=%s name=%s digest=%s", peer->key, c->name, c->digest);
    s_reply(d, peer, c->req_id, c->digest, 1, 0);
}

static void s_list(airlockd_t *d, wire_peer_t *peer, const proto_c_env_list_t *l)
{
    store_env_row_t *rows = NULL;
    size_t n = 0;
    int rc = airlockd_db_check(d, store_env_list(d->db, &rows, &n), "env_list");
    proto_msg_t *m = rc == AL_OK ? proto_msg_new(PROTO_C_ENV_LIST_REPLY) : NULL;
    if (rc != AL_OK || !m) {
        s_error(d, peer, l->req_id, rc ? rc : AL_ENOMEM, NULL);
        store_env_rows_free(&rows, n);
        return;
    }
    m->body.c_env_list_reply.req_id = l->req_id;
    for (size_t i = 0; i < n; i++) {
        proto_env_info_t *e = proto_env_info_list_add(&m->body.c_env_list_reply.environments);
        if (!e)
            break;
        proto_str_set(&e->name, rows[i].name);
        proto_str_set(&e->digest, rows[i].digest);
        e->size_bytes = rows[i].size_bytes;
        e->tree_bytes = rows[i].tree_bytes;
        proto_str_set(&e->created_by, rows[i].created_by);
        e->created_us = rows[i].created_us;
        proto_str_set(&e->spec, rows[i].spec_json);
    }
    if (wire_send(d->clients_sock, peer->routing, m) != AL_OK)
        al_warn("env.reply_failed", "error=\"%s\"", al_err_msg());
    proto_msg_destroy(&m);
    store_env_rows_free(&rows, n);
}

void env_api_client(airlockd_t *d, wire_peer_t *peer, proto_msg_t *msg)
{
    switch (msg->type) {
    case PROTO_C_ENV_BEGIN: s_begin(d, peer, &msg->body.c_env_begin); break;
    case PROTO_C_ENV_CHUNK: s_chunk(d, peer, &msg->body.c_env_chunk); break;
    case PROTO_C_ENV_COMMIT: s_commit(d, peer, &msg->body.c_env_commit); break;
    case PROTO_C_ENV_LIST: s_list(d, peer, &msg->body.c_env_list); break;
    default: break;
    }
}

/* ENV_GET: one chunk and what to verify it against, or the reason there is none. */
void env_api_worker_get(airlockd_t *d, wire_peer_t *peer, const proto_w_env_get_t *g)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_ENV_DATA);
    if (!m)
        return;
    proto_w_env_data_t *r = &m->body.w_env_data;
    r->req_id = g->req_id;
    r->offset = g->offset;
    proto_str_set(&r->digest, g->digest);
    store_env_meta_t meta;
    void *data = NULL;
    size_t len = 0;
    int rc = envspec_is_digest(g->digest) ? store_env_meta(d->db, g->digest, &meta)
                                          : al_err_set(AL_EINVAL, "not a digest: %.80s", g->digest);
    if (rc == AL_OK && !meta.complete)
        rc = al_err_set(AL_ESTATE, "environment %s is not completely uploaded", g->digest);
    if (rc == AL_OK && g->offset < meta.blob_bytes)
        rc = store_env_chunk_get(d->db, g->digest, g->offset, &data, &len);
    airlockd_db_check(d, rc, "env_get");
    if (rc == AL_OK) {
        r->total = meta.blob_bytes;
        r->tree_bytes = meta.tree_bytes;
        proto_str_set(&r->blob_sha256, meta.blob_sha256);
        proto_str_set(&r->tree_sha256, meta.tree_sha256);
        if (g->offset == 0)
            proto_str_set(&r->spec, meta.spec_json), r->has_spec = true;
        r->data.data = data;   /* lent to the message until it is sent */
        r->data.len = len;
    } else {
        proto_str_set(&r->blob_sha256, "");
        proto_str_set(&r->tree_sha256, "");
        proto_str_set(&r->error, al_err_msg()), r->has_error = true;
        al_warn("env.get_failed", "worker=%s digest=%.80s offset=%" PRIu64 " reason=\"%s\"", peer->key, g->digest,
                g->offset, al_err_msg());
    }
    if (rc != AL_EINVAL)
        store_env_meta_free(&meta);
    if (wire_send(d->workers_sock, peer->routing, m) != AL_OK)
        al_warn("env.data_failed", "worker=%s error=\"%s\"", peer->key, al_err_msg());
    r->data.data = NULL;
    r->data.len = 0;
    proto_msg_destroy(&m);
    free(data);
}
