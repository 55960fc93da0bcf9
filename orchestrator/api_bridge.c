/*
 * api_bridge.c: the dispatch thread's side of the HTTP API (orchestrator/api,
 * which runs on a thread of its own and never calls into the daemon). Starts
 * the API actor when api_endpoint is set, carries out what only the dispatch
 * thread may do when the API asks ("DISPATCH": run the scheduler for a new
 * job; "CANCEL worker task attempt": tell the worker, wake WAIT streams),
 * and, as the WAIT streams' listener (waiters_listen), forwards "task X has
 * new events" so the API's event streams wake at once.
 *
 * Above scheduler.c and waiters.c, below daemon.c (issue 16).
 * Owns: the actor (airlockd_t.api).
 */
#include "orchestrator/airlockd.h"
#include "orchestrator/api/api_launch.h"
#include "common/error.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

static int s_on_api(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    airlockd_t *d = arg;
    char *cmd = NULL, *a1 = NULL, *a2 = NULL, *a3 = NULL;
    if (zstr_recvx(sock, &cmd, &a1, &a2, &a3, NULL) < 1)
        return 0;
    if (strcmp(cmd, "DISPATCH") == 0) {
        scheduler_request(d);
    } else if (strcmp(cmd, "CANCEL") == 0 && a1 && a2 && a3) {
        scheduler_send_cancel(d, a1, a2, atoi(a3), "cancelled by client");
        waiters_pump(d, "");
    }
    zstr_free(&cmd);
    zstr_free(&a1);
    zstr_free(&a2);
    zstr_free(&a3);
    return 0;
}

/* The WAIT streams' listener: tells the API that a task has new events or a
 * result (drops the note when the API is behind: its periodic check catches
 * up). */
static void s_notify(void *arg, const char *task_id)
{
    airlockd_t *d = arg;
    if (d->api && task_id && *task_id)
        zstr_sendx(d->api, "EVENTS", task_id, NULL);   /* dropped when the API is behind */
}

int api_bridge_start(airlockd_t *d)
{
    const airlockd_settings_t *s = &d->set;
    if (!s->api_endpoint || !*s->api_endpoint)
        return AL_OK;
    api_config_t cfg = {
        .endpoint = s->api_endpoint, .db = s->db, .tokens_file = s->api_tokens, .certs_dir = s->certs_dir,
        .server_id = s->server_id, .max_body = (size_t)s->api_max_body_kb * 1024,
        .max_connections = (unsigned)s->api_max_connections, .keepalive_s = (unsigned)s->api_keepalive_s,
        .max_attempts = s->max_attempts, .github_secret_file = s->github_webhook_secret,
        .github_repos = s->github_repos, .github_cache_dir = s->github_cache_dir,
        .remote = GITOPS_REMOTE_OPTS_INIT, .git_ca_file = s->git_ca_file, .tenant_repos = s->tenant_repos,
    };
    cfg.remote.credentials_file = s->git_credentials;
    cfg.remote.allow = s->git_remote_allow;
    cfg.remote.known_hosts = s->git_known_hosts;
    cfg.remote.allow_http = s->git_allow_http;
    d->api = zactor_new(api_actor, &cfg);
    char *status = NULL, *why = NULL;
    if (!d->api || zstr_recvx(d->api, &status, &why, NULL) < 1 || strcmp(status, "OK") != 0) {
        int rc = al_err_set(AL_ECONFIG, "HTTP API: %s", why && *why ? why : "could not start");
        zstr_free(&status);
        zstr_free(&why);
        zactor_destroy(&d->api);
        return rc;
    }
    zstr_free(&status);
    zstr_free(&why);
    zsock_set_sndtimeo(zactor_sock(d->api), 0);   /* never block dispatch on the API */
    zloop_reader(d->loop, zactor_sock(d->api), s_on_api, d);
    waiters_listen(d->waiters, s_notify, d);
    return AL_OK;
}

void api_bridge_stop(airlockd_t *d)
{
    if (!d->api)
        return;
    if (d->waiters)
        waiters_listen(d->waiters, NULL, NULL);
    if (d->loop)
        zloop_reader_end(d->loop, zactor_sock(d->api));
    zsock_set_sndtimeo(zactor_sock(d->api), -1);
    zactor_destroy(&d->api);
}
