/*
 * pipeline_events.c: findings, file changes, egress attempts and artifacts as
 * task events (projected by airlockd into their tables and the audit log).
 */
#include "worker/pipeline_internal.h"
#include "worker/plugin_host/plugin_host.h"
#include "common/error.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pipeline_emit_findings(pipeline_t *p, const analysis_result_t *r)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const analysis_finding_t *f = &r->findings[i];
        int blocking = f->severity >= p->job->policy.block_at;
        char line[16];
        snprintf(line, sizeof line, "%u", f->line);
        task_event(p->t, AL_EVENT_FINDING, "analyzer", f->plugin, "rule_id", f->rule_id,
                   "severity", jobspec_severity_name(f->severity), "file", f->file ? f->file : "",
                   "line", line, "message", f->message ? f->message : "",
                   "evidence", f->evidence ? f->evidence : "", "blocking", blocking ? "true" : "false",
                   NULL);
        p->findings++;
        p->blocking_findings += blocking != 0;
    }
}

static const char *s_violation_of(const gitops_violations_t *v, const char *path)
{
    for (size_t i = 0; v && i < v->count; i++) {
        if (strcmp(v->items[i].path, path) == 0)
            return gitops_violation_kind_name(v->items[i].kind);
    }
    return NULL;
}

/* The old side of a change exists unless the path is new; the new side unless
 * it was deleted. Absent sides are left out of the event (NULL columns). */
static int s_has_old(gitops_change_status_t st)
{
    return st == GITOPS_CHANGE_MODIFIED || st == GITOPS_CHANGE_DELETED ||
           st == GITOPS_CHANGE_TYPECHANGE;
}

static void s_emit_change(pipeline_t *p, const gitops_change_t *c, const char *violation)
{
    char om[16], nm[16], os[24], ns[24];
    snprintf(om, sizeof om, "%u", (unsigned)c->old_mode);
    snprintf(nm, sizeof nm, "%u", (unsigned)c->new_mode);
    snprintf(os, sizeof os, "%llu", (unsigned long long)c->old_size);
    snprintf(ns, sizeof ns, "%llu", (unsigned long long)c->new_size);
    const char *keys[10], *values[10];
    size_t n = 0;
#define KV(k, v) (keys[n] = (k), values[n++] = (v))
    KV("stage", "run");
    KV("path", c->path);
    KV("status", gitops_change_status_name(c->status));
    if (s_has_old(c->status)) {
        KV("old_mode", om);
        KV("old_size", os);
        KV("old_blob", c->old_id);
    }
    if (c->status != GITOPS_CHANGE_DELETED) {
        KV("new_mode", nm);
        KV("new_size", ns);
        KV("new_blob", c->new_id);
    }
    if (violation)
        KV("violation", violation);
#undef KV
    task_event_kv(p->t, AL_EVENT_FILE_CHANGE, keys, values, n);
}

void pipeline_emit_changes(pipeline_t *p, const gitops_changes_t *changes,
                           const gitops_violations_t *violations)
{
    for (size_t i = 0; i < changes->count; i++) {
        s_emit_change(p, &changes->items[i], s_violation_of(violations, changes->items[i].path));
        p->changes++;
    }
}

void pipeline_emit_artifact(pipeline_t *p, const char *kind, const char *name,
                            const char *content, size_t len)
{
    unsigned char digest[32];
    unsigned int dlen = 0;
    char hex[65] = "", size[24];
    if (EVP_Digest(content, len, digest, &dlen, EVP_sha256(), NULL) == 1) {
        for (unsigned i = 0; i < dlen; i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    snprintf(size, sizeof size, "%zu", len);
    task_event(p->t, AL_EVENT_ARTIFACT, "kind", kind, "name", name, "sha256", hex, "size", size,
               "content", content, NULL);
}

void pipeline_egress_event(void *ctx, const egress_event_t *ev)
{
    egress_ctx_t *c = ctx;
    char port[8], bytes[24], status[8];
    snprintf(port, sizeof port, "%u", ev->port);
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)(ev->bytes_up + ev->bytes_down));
    snprintf(status, sizeof status, "%d", ev->status);
    task_event(c->p->t, AL_EVENT_EGRESS, "stage", c->stage, "host", ev->host, "port", port,
               "method", ev->method, "allowed", ev->allowed ? "true" : "false", "reason", ev->reason,
               "status", status, "bytes", bytes, NULL);
    if (ev->allowed)
        __atomic_add_fetch(&c->p->egress_allowed, 1, __ATOMIC_RELAXED);
    else
        __atomic_add_fetch(&c->p->egress_blocked, 1, __ATOMIC_RELAXED);
}
