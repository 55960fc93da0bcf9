/* model.c: reports what the host's patch model holds, one "test.model"
 * finding per file: flags, modes, similarity, the hunk lines by origin, the
 * added lines, lines without a trailing newline, and the post-image's size
 * and FNV-1a hash (content=-1 when none). MODEL_CAPS picks the capabilities
 * (default PATCH | PARSED; model_patch.c asks for PATCH only). */
#include "airlock_plugin.h"

#include <stdio.h>

#ifndef MODEL_NAME
#define MODEL_NAME "model"
#endif
#ifndef MODEL_CAPS
#define MODEL_CAPS (AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED)
#endif

static const airlock_host_t *g_host;

static int m_init(const airlock_host_t *host, void **state)
{
    g_host = host;
    *state = NULL;
    return 0;
}

static unsigned long long fnv(const char *s, size_t n)
{
    unsigned long long h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int m_analyze(void *state, const airlock_input_t *in)
{
    char msg[400];
    (void)state;
    for (uint32_t i = 0; i < in->n_files; i++) {
        const airlock_file_t *f = &in->files[i];
        unsigned ctx = 0, add = 0, del = 0, noeol = 0, hunks = 0;
        for (uint32_t k = 0; f->lines && k < f->n_lines; k++) {
            const airlock_hunk_line_t *l = &f->lines[k];
            ctx += l->origin == AIRLOCK_LINE_CONTEXT;
            add += l->origin == AIRLOCK_LINE_ADDED;
            del += l->origin == AIRLOCK_LINE_REMOVED;
            noeol += (l->flags & AIRLOCK_LINE_NO_EOL) != 0;
            hunks = l->hunk + 1u > hunks ? l->hunk + 1u : hunks;
        }
        snprintf(msg, sizeof msg,
                 "flags=%#x old=%o new=%o sim=%u lines=%u ctx=%u add=%u del=%u hunks=%u noeol=%u added=%u "
                 "content=%lld hash=%016llx",
                 f->flags, f->old_mode, f->new_mode, f->similarity, f->n_lines, ctx, add, del, hunks, noeol,
                 f->n_added, f->content ? (long long)f->content_len : -1LL,
                 f->content ? fnv(f->content, f->content_len) : 0ull);
        airlock_finding_t fd = { sizeof fd, "test.model", AIRLOCK_SEV_INFO, f->path, 0, msg, NULL };
        g_host->emit_finding(g_host->ctx, &fd);
    }
    return 0;
}

static void m_fini(void *state) { (void)state; }

static const airlock_plugin_t desc = AIRLOCK_PLUGIN_INIT(MODEL_NAME, "1.0.0", MODEL_CAPS, m_init, m_analyze,
                                                         m_fini);

AIRLOCK_PLUGIN_EXPORT const airlock_plugin_t *airlock_plugin_descriptor(void) { return &desc; }
