/*
 * an_plugin.c: runs an analyzer core inside the plugin ABI (see an_plugin.h).
 *
 * Owns the plugin state (a copy of the host table, allocated with
 * host->alloc and released with host->free in fini).
 */
#include "an_plugin.h"

#include <string.h>

#include "an_patch.h"

typedef struct {
    airlock_host_t host;
    int limited;            /* host said AIRLOCK_E_LIMIT */
} plugin_state_t;

typedef union {
    max_align_t align;
    char bytes[AN_STATE_MAX];
} core_state_t;

int an_plugin_init(const airlock_host_t *host, void **state)
{
    plugin_state_t *ps;
    if (!host || !state || host->struct_size < sizeof(airlock_host_t) ||
        host->abi_version != AIRLOCK_PLUGIN_ABI_VERSION || !host->emit_finding ||
        !host->alloc || !host->free)
        return AIRLOCK_E_INVAL;
    ps = host->alloc(host->ctx, sizeof *ps);
    if (!ps)
        return AIRLOCK_E_NOMEM;
    memset(ps, 0, sizeof *ps);
    memcpy(&ps->host, host, sizeof ps->host);
    *state = ps;
    return AIRLOCK_OK;
}

void an_plugin_fini(void *state)
{
    plugin_state_t *ps = state;
    if (ps)
        ps->host.free(ps->host.ctx, ps);
}

static int plugin_emit(void *ud, const an_finding_t *f)
{
    plugin_state_t *ps = ud;
    char evidence[AIRLOCK_MAX_EVIDENCE + 1];
    size_t n = f->evidence_len < AIRLOCK_MAX_EVIDENCE ? f->evidence_len : AIRLOCK_MAX_EVIDENCE;
    airlock_finding_t out = {
        .struct_size = sizeof out,
        .rule_id = f->rule_id,
        .severity = (int32_t)f->severity,
        .file = (f->file && f->file[0]) ? f->file : NULL,
        .line = f->line,
        .message = f->message,
        .evidence = NULL,
    };
    int rc;
    if (f->evidence) {
        memcpy(evidence, f->evidence, n);
        evidence[n] = '\0';
        out.evidence = evidence;
    }
    rc = ps->host.emit_finding(ps->host.ctx, &out);
    if (rc == AIRLOCK_E_LIMIT) {
        ps->limited = 1;
        return rc;
    }
    if (rc != AIRLOCK_OK && ps->host.log)
        ps->host.log(ps->host.ctx, AIRLOCK_LOG_WARN, "host refused a finding");
    return 0;
}

static void file_from_host(an_file_t *f, const airlock_file_t *hf)
{
    unsigned fl = 0;
    memset(f, 0, sizeof *f);
    if (hf->old_path)
        f->old_path_len = an_path_decode(hf->old_path, strlen(hf->old_path), 0,
                                         f->old_path, sizeof f->old_path, &fl);
    if (hf->new_path)
        f->new_path_len = an_path_decode(hf->new_path, strlen(hf->new_path), 0,
                                         f->new_path, sizeof f->new_path, &fl);
    f->flags = fl & AN_FILE_PATH_TRUNCATED;
    f->old_mode = hf->old_mode;
    f->new_mode = hf->new_mode;
    f->flags |= (hf->flags & AIRLOCK_FILE_ADDED) ? AN_FILE_NEW : 0;
    f->flags |= (hf->flags & AIRLOCK_FILE_DELETED) ? AN_FILE_DELETED : 0;
    f->flags |= (hf->flags & AIRLOCK_FILE_RENAMED) ? AN_FILE_RENAMED : 0;
    f->flags |= (hf->flags & AIRLOCK_FILE_COPIED) ? AN_FILE_COPIED : 0;
    f->flags |= (hf->flags & AIRLOCK_FILE_BINARY) ? AN_FILE_BINARY : 0;
}

/* Drives the core's visitor from the host's parsed files (no context lines). */
static int run_files(const an_analyzer_t *a, const airlock_input_t *in, void *st)
{
    const an_patch_visitor_t *v = a->visitor;
    an_file_t f;
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < in->n_files; i++) {
        const airlock_file_t *hf = &in->files[i];
        if (hf->struct_size < sizeof *hf)
            continue;
        file_from_host(&f, hf);
        if (v->on_file)
            rc = v->on_file(st, &f);
        for (uint32_t k = 0; rc == 0 && v->on_line && k < hf->n_added; k++)
            rc = v->on_line(st, &f, AN_LINE_ADDED, hf->added[k].lineno,
                            hf->added[k].text, hf->added[k].len);
        if (rc == 0 && v->on_file_end)
            rc = v->on_file_end(st, &f);
    }
    return rc;
}

/* Runs the analyzer's command scanner over the job's commands, when the
 * host passed them (a host older than the extension passes a shorter input). */
static int run_commands(const an_analyzer_t *a, const airlock_input_t *in, plugin_state_t *ps)
{
    char label[64];
    int rc = 0;
    if (!a->command || !AIRLOCK_INPUT_HAS_COMMANDS(in) || !in->commands)
        return 0;
    for (uint32_t i = 0; rc == 0 && !ps->limited && i < in->n_commands; i++) {
        const airlock_command_t *c = &in->commands[i];
        if (c->struct_size < sizeof *c || !c->text || !c->stage)
            continue;
        an_command_label(label, sizeof label, c->stage, c->index);
        rc = a->command(c->text, c->text_len, label, plugin_emit, ps);
    }
    return rc;
}

int an_plugin_analyze(void *state, const airlock_input_t *input, const an_analyzer_t *a)
{
    plugin_state_t *ps = state;
    core_state_t st;
    int rc;
    if (!ps || !input || input->struct_size < AIRLOCK_INPUT_V1_SIZE || a->state_size > sizeof st)
        return AIRLOCK_E_INVAL;
    ps->limited = 0;
    if (input->patch && input->patch_len > 0) {
        rc = an_run_patch(a, input->patch, input->patch_len, plugin_emit, ps);
    } else {
        a->begin(&st, plugin_emit, ps);
        rc = (input->n_files && input->files) ? run_files(a, input, &st) : 0;
        if (rc == 0 && a->end)
            rc = a->end(&st);
    }
    if (rc == 0 && !ps->limited)
        rc = run_commands(a, input, ps);
    return (rc == 0 || ps->limited) ? AIRLOCK_OK : rc;
}
