/*
 * sb_run.c: see sb_run.h.
 */
#include "sb_run.h"

#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_keep(char **buf, size_t *len, const char *data, size_t n)
{
    if (*len >= SB_RUN_KEEP)
        return;
    if (n > SB_RUN_KEEP - *len)
        n = SB_RUN_KEEP - *len;
    if (!*buf)
        *buf = calloc(1, SB_RUN_KEEP + 1);
    if (!*buf)
        return;
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static void s_output(void *ctx, int stream, const char *data, size_t len)
{
    sb_run_t *r = ctx;
    if (stream == SANDBOX_STDOUT)
        s_keep(&r->out, &r->out_len, data, len);
    else
        s_keep(&r->err, &r->err_len, data, len);
}

static void s_exec_event(void *ctx, const sandbox_exec_event_t *ev)
{
    sb_run_t *r = ctx;
    if (r->n_events >= SB_RUN_EVENTS)
        return;
    r->event_path[r->n_events] = strdup(ev->path ? ev->path : "");
    r->event_argv[r->n_events] = strdup(ev->argv ? ev->argv : "");
    r->event_uid[r->n_events] = ev->uid;
    r->n_events++;
}

void sb_run_argv(sandbox_t *sb, sb_run_t *r, const char *const *argv, unsigned timeout_ms,
                 const char *const *env)
{
    memset(r, 0, sizeof *r);
    sandbox_exec_req_t req = { .argv = argv, .env = env, .timeout_ms = timeout_ms,
                               .on_output = s_output, .on_exec = s_exec_event, .ctx = r };
    r->rc = sandbox_exec(sb, &req, &r->res);
    if (r->rc)
        fprintf(stderr, "sandbox_exec %s: %s\n", argv[0], al_err_msg());
    if (!r->out)
        r->out = calloc(1, 1);
    if (!r->err)
        r->err = calloc(1, 1);
}

void sb_run_sh(sandbox_t *sb, sb_run_t *r, const char *script, unsigned timeout_ms,
               const char *const *env)
{
    const char *argv[] = { "/bin/sh", "-c", script, NULL };
    sb_run_argv(sb, r, argv, timeout_ms, env);
}

void sb_run_free(sb_run_t *r)
{
    free(r->out);
    free(r->err);
    for (int i = 0; i < r->n_events; i++) {
        free(r->event_path[i]);
        free(r->event_argv[i]);
    }
    memset(r, 0, sizeof *r);
}

int sb_run_saw_exec(const sb_run_t *r, const char *suffix)
{
    size_t sl = strlen(suffix);
    for (int i = 0; i < r->n_events; i++) {
        size_t pl = strlen(r->event_path[i]);
        if (pl >= sl && strcmp(r->event_path[i] + pl - sl, suffix) == 0)
            return 1;
    }
    return 0;
}
