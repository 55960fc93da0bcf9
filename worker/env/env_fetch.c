/*
 * env_fetch.c: an environment image from airlockd, chunk by chunk (see
 * env_fetch.h). Strict: every ENV_DATA must answer the request in flight
 * (req_id, digest, offset), agree with the first one on size and hashes, and
 * never run past the announced size.
 */
#include "worker/env/env_fetch.h"
#include "common/curve.h"
#include "common/endpoints.h"
#include "common/error.h"
#include "common/log.h"
#include "common/wire/wire.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct env_fetcher {
    char *endpoint;          /* one endpoint or a comma-separated list */
    unsigned endpoint_idx;   /* the entry the next connection uses */
    zcert_t *cert;
    char server_key[41];
    int timeout_ms;
    zsock_t *sock;
    uint64_t next_req;
    pthread_mutex_t lock;
};

int env_fetcher_new(env_fetcher_t **out, const char *endpoint, zcert_t *cert, const char *server_key,
                    int timeout_ms)
{
    *out = NULL;
    env_fetcher_t *f = calloc(1, sizeof *f);
    if (!f || !(f->endpoint = strdup(endpoint)) || !(f->cert = zcert_dup(cert))) {
        env_fetcher_destroy(&f);
        return al_err_set(AL_ENOMEM, "env fetcher: out of memory");
    }
    snprintf(f->server_key, sizeof f->server_key, "%s", server_key);
    f->timeout_ms = timeout_ms;
    pthread_mutex_init(&f->lock, NULL);
    *out = f;
    return 0;
}

void env_fetcher_destroy(env_fetcher_t **p)
{
    env_fetcher_t *f = p ? *p : NULL;
    if (!f)
        return;
    zsock_destroy(&f->sock);
    zcert_destroy(&f->cert);
    free(f->endpoint);
    if (f->endpoint)
        pthread_mutex_destroy(&f->lock);
    free(f);
    *p = NULL;
}

static int s_connect(env_fetcher_t *f)
{
    if (f->sock)
        return 0;
    f->sock = zsock_new(ZMQ_DEALER);
    if (!f->sock)
        return al_err_set(AL_EIO, "env fetcher: cannot create a socket");
    zsock_set_linger(f->sock, 0);
    zsock_set_rcvtimeo(f->sock, f->timeout_ms);
    int rc = curve_client_apply(f->sock, f->cert, f->server_key);
    /* a list of endpoints (several airlockd): each fresh connection tries the next */
    char endpoint[256];
    if (rc == 0)
        rc = al_endpoints_pick(f->endpoint, f->endpoint_idx++, endpoint, sizeof endpoint);
    if (rc == 0 && zsock_connect(f->sock, "%s", endpoint) != 0)
        rc = al_err_set(AL_EIO, "env fetcher: cannot connect to %s", endpoint);
    if (rc != 0)
        zsock_destroy(&f->sock);
    return rc;
}

/* One ENV_GET and its ENV_DATA (replies to earlier, abandoned requests are skipped). */
static int s_call(env_fetcher_t *f, const char *digest, uint64_t offset, proto_msg_t **reply)
{
    proto_msg_t *m = proto_msg_new(PROTO_W_ENV_GET);
    if (!m)
        return al_err_set(AL_ENOMEM, "out of memory");
    uint64_t id = ++f->next_req;
    m->body.w_env_get.req_id = id;
    m->body.w_env_get.offset = offset;
    proto_str_set(&m->body.w_env_get.digest, digest);
    int rc = wire_send(f->sock, NULL, m);
    proto_msg_destroy(&m);
    while (rc == 0) {
        wire_peer_t peer;
        memset(&peer, 0, sizeof peer);
        rc = wire_recv(f->sock, PROTO_CH_WORKER, 0, &peer, reply);
        wire_peer_clear(&peer);
        if (rc != 0) {
            zsock_destroy(&f->sock);   /* a fresh connection for the next try */
            return rc == AL_EIO /* the receive timeout */
                       ? al_err_set(AL_ETIMEOUT, "airlockd sent no environment data in %d ms", f->timeout_ms)
                       : rc;
        }
        if ((*reply)->type == PROTO_W_ENV_DATA && (*reply)->body.w_env_data.req_id == id)
            return 0;
        proto_msg_destroy(reply);
    }
    return rc;
}

/* The chunk answers what was asked and agrees with the first one. */
static int s_check(const proto_w_env_data_t *d, const char *digest, uint64_t offset, const env_fetch_meta_t *meta)
{
    if (d->has_error)
        return al_err_set(strstr(d->error, "not stored") ? AL_ENOTFOUND : AL_ESTATE, "airlockd: %s", d->error);
    if (strcmp(d->digest, digest) != 0 || d->offset != offset)
        return al_err_set(AL_EPROTO, "ENV_DATA for %.80s at %" PRIu64 ", asked %s at %" PRIu64, d->digest,
                          d->offset, digest, offset);
    if (offset && (d->total != meta->total || strcmp(d->blob_sha256, meta->blob_sha256) ||
                   strcmp(d->tree_sha256, meta->tree_sha256)))
        return al_err_set(AL_EPROTO, "environment %s changed while it was fetched", digest);
    if (d->data.len > d->total - offset || (d->data.len == 0 && offset < d->total))
        return al_err_set(AL_EPROTO, "ENV_DATA of %zu bytes at %" PRIu64 " of %" PRIu64, d->data.len, offset,
                          d->total);
    if (offset == 0 && (!d->has_spec || d->total == 0))
        return al_err_set(AL_EPROTO, "the first ENV_DATA lacks the spec or the size");
    return 0;
}

static int s_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return al_err_set_errno(AL_EIO, "write environment image");
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int env_fetcher_get(env_fetcher_t *f, const char *digest, int fd, env_fetch_meta_t *meta)
{
    memset(meta, 0, sizeof *meta);
    pthread_mutex_lock(&f->lock);
    int rc = s_connect(f);
    uint64_t offset = 0;
    while (rc == 0 && (offset == 0 || offset < meta->total)) {
        proto_msg_t *r = NULL;
        rc = s_call(f, digest, offset, &r);
        const proto_w_env_data_t *d = rc == 0 ? &r->body.w_env_data : NULL;
        if (rc == 0)
            rc = s_check(d, digest, offset, meta);
        if (rc == 0 && offset == 0) {
            meta->total = d->total;
            meta->tree_bytes = d->tree_bytes;
            snprintf(meta->blob_sha256, sizeof meta->blob_sha256, "%s", d->blob_sha256);
            snprintf(meta->tree_sha256, sizeof meta->tree_sha256, "%s", d->tree_sha256);
            if (!(meta->spec_json = strdup(d->spec)))
                rc = al_err_set(AL_ENOMEM, "out of memory");
        }
        if (rc == 0)
            rc = s_write_all(fd, d->data.data, d->data.len);
        if (rc == 0)
            offset += d->data.len;
        proto_msg_destroy(&r);
    }
    pthread_mutex_unlock(&f->lock);
    if (rc != 0) {
        free(meta->spec_json);
        meta->spec_json = NULL;
    }
    return rc;
}
