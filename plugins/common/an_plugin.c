/*
 * an_plugin.c: runs an analyzer core inside the plugin ABI (see an_plugin.h).
 *
 * Owns the plugin state (a copy of the host table, allocated with
 * host->alloc and released with host->free in fini).
 */
#include "an_plugin.h"

#include <string.h>

#include "an_input.h"

typedef struct {
    airlock_host_t host;
    int limited;            /* host said AIRLOCK_E_LIMIT */
} plugin_state_t;

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

int an_plugin_analyze(void *state, const airlock_input_t *input, const an_analyzer_t *a)
{
    plugin_state_t *ps = state;
    int rc;
    if (!ps || !input || input->struct_size < sizeof *input)
        return AIRLOCK_E_INVAL;
    ps->limited = 0;
    rc = an_run_input(a, input, plugin_emit, ps);
    return (rc == 0 || ps->limited) ? AIRLOCK_OK : rc;
}
