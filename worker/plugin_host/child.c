/*
 * child.c: the plugin-facing part of the analyzer host (airlock-analyzer,
 * analyzer_main.c confines it first): either a PROBE (load, report the
 * descriptor) or a RUN (load, trim the view to the plugin's capabilities,
 * init/analyze/fini, stream findings). The host table handed to the plugin
 * lives here; it validates and bounds every finding before it reaches the
 * result pipe (fd 3). Between init and analyze it installs a seccomp filter
 * (child_seccomp.c). Always ends in _exit.
 */
#include "worker/plugin_host/plugin_host_child.h"

#include "common/error.h"
#include "worker/plugin_host/view_trim.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHILD_MAX_LOGS 100

typedef struct {
    int fd;
    unsigned max_findings;
    unsigned sent;
    unsigned logs;
    uint64_t dropped;
} child_ctx_t;

static int rule_ok(const char *s)
{
    size_t n = s ? strnlen(s, AIRLOCK_MAX_RULE_ID + 1) : 0;
    return n >= 1 && n <= AIRLOCK_MAX_RULE_ID
           && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int host_emit(void *vctx, const airlock_finding_t *f)
{
    child_ctx_t *c = vctx;
    if (!f || f->struct_size < sizeof *f || !rule_ok(f->rule_id) || !f->message
        || f->severity < AIRLOCK_SEV_INFO || f->severity > AIRLOCK_SEV_CRITICAL)
        return AIRLOCK_E_INVAL;
    if (c->sent >= c->max_findings) {
        c->dropped++;
        return AIRLOCK_E_LIMIT;
    }
    if (wire_send_finding(c->fd, f) != 0)
        _exit(122);
    c->sent++;
    return AIRLOCK_OK;
}

static void host_log(void *vctx, int level, const char *msg)
{
    child_ctx_t *c = vctx;
    if (c->logs++ < CHILD_MAX_LOGS && wire_send_log(c->fd, level, msg) != 0)
        _exit(122);
}

static void *host_alloc(void *ctx, size_t n) { return malloc(n ? n : 1); }
static void host_free(void *ctx, void *p) { free(p); }

void child_main(const char *load_path, const char *plugin_path, input_blob_view_t *view,
                unsigned max_findings)
{
    plugin_t *p = NULL;
    if (plugin_host_load_as(load_path, plugin_path, &p) != 0) {
        wire_send_error(CHILD_FD, al_err_msg());
        _exit(0);
    }
    const airlock_plugin_t *d = plugin_descriptor(p);
    if (!view) {
        wire_send_info(CHILD_FD, d);
        _exit(0);
    }
    child_ctx_t ctx = { CHILD_FD, max_findings, 0, 0, 0 };
    airlock_host_t host = { sizeof host, AIRLOCK_PLUGIN_ABI_VERSION, host_emit, host_log,
                            host_alloc, host_free, &ctx };
    view_trim(&view->in, view->files, d->capabilities);
    void *state = NULL;
    int arc = 0, irc = d->init(&host, &state);
    if (irc == 0 && child_seccomp_install(CHILD_FD) != 0) {
        wire_send_error(CHILD_FD, "cannot install the seccomp filter");
        _exit(0);
    }
    if (irc == 0) {
        arc = d->analyze(state, &view->in);
        d->fini(state);
    }
    wire_send_done(CHILD_FD, irc, arc, ctx.dropped);
    _exit(0);
}
