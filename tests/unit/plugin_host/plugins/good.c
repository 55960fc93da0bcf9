/* good.c: a well-behaved test plugin. Per file one "test.file" finding
 * describing what the host parsed; per added line containing SECRET one
 * "test.secret" finding with the raw line as evidence. Keeps state in
 * host-allocated memory and logs one line. */
#include "airlock_plugin.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const airlock_host_t *host;
    unsigned files;
} state_t;

static int g_init(const airlock_host_t *host, void **state)
{
    state_t *s = host->alloc(host->ctx, sizeof *s);
    if (!s)
        return 1;
    s->host = host;
    s->files = 0;
    *state = s;
    return 0;
}

static void secret_lines(state_t *s, const airlock_file_t *f)
{
    char ev[512];
    for (uint32_t k = 0; k < f->n_added; k++) {
        const airlock_line_t *l = &f->added[k];
        if (!memmem(l->text, l->len, "SECRET", 6))
            continue;
        snprintf(ev, sizeof ev, "%.*s", (int)l->len, l->text);
        airlock_finding_t fd = { sizeof fd, "test.secret", AIRLOCK_SEV_HIGH, f->path, l->lineno,
                                 "line mentions a secret", ev };
        s->host->emit_finding(s->host->ctx, &fd);
    }
}

static int g_analyze(void *state, const airlock_input_t *in)
{
    state_t *s = state;
    char msg[256];
    for (uint32_t i = 0; i < in->n_files; i++) {
        const airlock_file_t *f = &in->files[i];
        snprintf(msg, sizeof msg, "flags=%#x old=%o new=%o added=%u content=%zu", f->flags, f->old_mode,
                 f->new_mode, f->n_added, f->content ? f->content_len : (size_t)-1);
        airlock_finding_t fd = { sizeof fd, "test.file", AIRLOCK_SEV_INFO, f->path, 0, msg, NULL };
        s->host->emit_finding(s->host->ctx, &fd);
        secret_lines(s, f);
        s->files++;
    }
    snprintf(msg, sizeof msg, "patch_len=%zu", in->patch_len);
    airlock_finding_t fd = { sizeof fd, "test.patch", AIRLOCK_SEV_LOW, NULL, 0, msg, NULL };
    s->host->emit_finding(s->host->ctx, &fd);
    s->host->log(s->host->ctx, AIRLOCK_LOG_INFO, "good plugin analyzed the patch");
    return 0;
}

static void g_fini(void *state)
{
    state_t *s = state;
    s->host->free(s->host->ctx, s);
}

static const airlock_plugin_t desc = AIRLOCK_PLUGIN_INIT("good", "1.0.0", AIRLOCK_CAP_PATCH | AIRLOCK_CAP_FILES,
                                                         g_init, g_analyze, g_fini);

AIRLOCK_PLUGIN_EXPORT const airlock_plugin_t *airlock_plugin_descriptor(void) { return &desc; }
