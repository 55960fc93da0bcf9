/*
 * view.c: what one plugin sees of the patch model. plugin_input_opts()
 * decides which post-images to produce for a set of capabilities,
 * view_trim.c cuts a view down to one plugin's capabilities, and plugin_view_t is the same
 * view built in-process, for tests and bench/analyzers (the analyzer cores
 * run over exactly what the plugins receive).
 *
 * Owns: a plugin_view_t owns its plugin_input_t and the trimmed file array.
 */
#include "worker/plugin_host/plugin_host_internal.h"
#include "worker/plugin_host/view_trim.h"

#include "common/error.h"

#include <stdlib.h>
#include <string.h>

struct plugin_view {
    plugin_input_t pi;
    airlock_input_t in;        /* pi.in trimmed to the caps */
    airlock_file_t *files;     /* copies of pi.files, trimmed */
};

plugin_input_opts_t plugin_input_opts(uint64_t caps, const plugin_limits_t *lim)
{
    plugin_input_opts_t o = { 0, 0, lim->max_file_bytes, lim->max_total_bytes };
    o.want_text = (caps & AIRLOCK_CAP_FILES) != 0;
    o.want_binary = (caps & (AIRLOCK_CAP_FILES | AIRLOCK_CAP_PARSED)) != 0;
    return o;
}

int plugin_view_new(plugin_view_t **out, const plugin_source_t *src, uint64_t caps,
                    const plugin_limits_t *limits)
{
    static const plugin_limits_t defaults = PLUGIN_LIMITS_INIT;
    plugin_view_t *v = NULL;
    int rc;
    *out = NULL;
    if (!src || src->version != PLUGIN_SOURCE_VERSION || (!src->patch && src->patch_len))
        return al_err_set(AL_EINVAL, "plugin_view_new: no source, bad version or no patch");
    if ((rc = plugin_commands_check(src->cmds, src->n_cmds)) != 0)
        return rc;
    if (!(v = calloc(1, sizeof *v)))
        return al_err_set(AL_ENOMEM, "plugin view: out of memory");
    plugin_input_opts_t o = plugin_input_opts(caps, limits ? limits : &defaults);
    if ((rc = plugin_input_build(&v->pi, src, &o)) == 0)
        rc = plugin_commands_build(&v->pi, src->cmds, src->n_cmds);
    if (rc == 0 && !(v->files = calloc(v->pi.in.n_files + 1, sizeof *v->files)))
        rc = al_err_set(AL_ENOMEM, "plugin view: out of memory");
    if (rc != 0) {
        plugin_view_destroy(&v);
        return rc;
    }
    if (v->pi.in.n_files)
        memcpy(v->files, v->pi.files, v->pi.in.n_files * sizeof *v->files);
    v->in = v->pi.in;
    v->in.files = v->files;
    view_trim(&v->in, v->files, caps);
    *out = v;
    return 0;
}

const airlock_input_t *plugin_view_input(const plugin_view_t *v) { return v ? &v->in : NULL; }
int plugin_view_parsed(const plugin_view_t *v) { return v ? v->pi.parsed : 0; }

void plugin_view_destroy(plugin_view_t **p)
{
    if (!p || !*p)
        return;
    plugin_input_free(&(*p)->pi);
    free((*p)->files);
    free(*p);
    *p = NULL;
}
