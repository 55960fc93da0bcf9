/*
 * run.c: plugin_host_run_source (and its plugin_host_run / _run_job
 * wrappers): build the patch model once (patch_input.c), copy
 * the job's commands (commands.c), lay the view out once in a sealed memfd
 * (input_blob_write.c), run every plugin of the set in its own analyzer
 * host (runner.c), limits.parallel of them at a time, turn each child's stream and fate into
 * findings and a status, redact evidence. A plugin's failure becomes a
 * `plugin_error` finding (severity high); only the host's own failures
 * (memory, fork) are errors; content the host could not hand over is a
 * `host.unscanned_content` finding. Owns the analysis_result_t until it is returned.
 */
#include "worker/plugin_host/plugin_host_set.h"

#include "common/error.h"
#include "common/log.h"
#include "common/utf8.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* *s (owned) as text: U+FFFD for each byte that is not UTF-8, as every
 * event value gets it (task_msg.c; a file name then matches its
 * file_changes row), and '?' for a control character. 0 or AL_ENOMEM (*s
 * then NULL). */
static int sanitize(char **s)
{
    if (!*s)
        return 0;
    char *fixed = al_utf8_repair(*s);
    free(*s);
    *s = fixed;
    for (unsigned char *p = (unsigned char *)fixed; p && *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
    return fixed ? 0 : AL_ENOMEM;
}

static int result_push(analysis_result_t *r, size_t *cap, analysis_finding_t *f)
{
    if (r->n_findings == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        analysis_finding_t *g = realloc(r->findings, nc * sizeof *g);
        if (!g)
            return al_err_set(AL_ENOMEM, "plugin host: out of memory");
        r->findings = g;
        *cap = nc;
    }
    r->findings[r->n_findings++] = *f;
    memset(f, 0, sizeof *f);
    return 0;
}

static void finding_free(analysis_finding_t *f)
{
    free(f->plugin);
    free(f->rule_id);
    free(f->file);
    free(f->message);
    free(f->evidence);
    memset(f, 0, sizeof *f);
}

/* Takes the strings of a FINDING message. Returns 0 or AL_EPROTO. */
static int finding_take(const char *plugin, wire_msg_t *m, analysis_finding_t *f)
{
    char red[32];
    size_t n = m->s1 ? strlen(m->s1) : 0;
    if (n == 0 || strspn(m->s1, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n || m->i1 < 0
        || m->i1 > AIRLOCK_SEV_CRITICAL || m->i2 < 0 || m->i2 > UINT32_MAX || !m->s3)
        return al_err_set(AL_EPROTO, "malformed finding");
    memset(f, 0, sizeof *f);
    f->plugin = strdup(plugin);
    f->rule_id = m->s1;
    f->severity = (int)m->i1;
    f->file = m->s2;
    f->line = (uint32_t)m->i2;
    f->message = m->s3;
    if (m->s4)
        f->evidence = strdup(plugin_evidence_redact(red, sizeof red, m->s4, strlen(m->s4)));
    int oom = !f->plugin || (m->s4 && !f->evidence);
    free(m->s4);
    m->s1 = m->s2 = m->s3 = m->s4 = NULL;
    oom |= sanitize(&f->file) != 0 || sanitize(&f->message) != 0;
    if (oom) {
        finding_free(f);
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    }
    return 0;
}

typedef struct {
    analysis_result_t *r;
    size_t cap;
    const plugin_entry_t *e;
    const plugin_limits_t *lim;
    analysis_plugin_status_t *st;
    char detail[300];
} run_ctx_t;

static void set_status(run_ctx_t *c, plugin_status_t s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_status(run_ctx_t *c, plugin_status_t s, const char *fmt, ...)
{
    va_list ap;
    if (c->st->status != PLUGIN_STATUS_OK)
        return; /* the first cause wins */
    c->st->status = s;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
}

/* Decodes the stream of a RUN child. Returns 1 when DONE was seen. */
static int stream_read(run_ctx_t *c, const child_out_t *o)
{
    wire_msg_t m;
    size_t off = 0;
    int done = 0, rc;
    char q[600];
    while ((rc = wire_next(o->buf, o->len, &off, &m)) == 1) {
        analysis_finding_t f;
        if (m.type == WIRE_FINDING && !done) {
            if (c->st->n_findings >= c->lim->max_findings) {
                set_status(c, PLUGIN_STATUS_LIMIT, "plugin '%s' sent more than %u findings", c->e->name,
                           c->lim->max_findings);
            } else if (finding_take(c->e->name, &m, &f) != 0) {
                set_status(c, PLUGIN_STATUS_PROTOCOL, "plugin '%s' sent a malformed finding", c->e->name);
            } else if (result_push(c->r, &c->cap, &f) == 0) {
                c->st->n_findings++;
            } else {
                finding_free(&f);
            }
        } else if (m.type == WIRE_LOG) {
            al_log(m.i1 >= AIRLOCK_LOG_WARN ? AL_LOG_WARN : AL_LOG_DEBUG, "plugin.log", "plugin=%s msg=%s",
                   c->e->name, al_log_quote(q, sizeof q, m.s1));
        } else if (m.type == WIRE_DONE && !done) {
            done = 1;
            if (m.i1 != 0 || m.i2 != 0)
                set_status(c, PLUGIN_STATUS_FAILED, "plugin '%s' %s returned %lld", c->e->name,
                           m.i1 ? "init" : "analyze", (long long)(m.i1 ? m.i1 : m.i2));
            else if (m.i3 != 0)
                set_status(c, PLUGIN_STATUS_LIMIT, "plugin '%s' emitted more than %u findings (%lld dropped)",
                           c->e->name, c->lim->max_findings, (long long)m.i3);
        } else if (m.type == WIRE_ERROR) {
            set_status(c, PLUGIN_STATUS_FAILED, "plugin '%s' could not start: %s", c->e->name, m.s1);
        } else {
            set_status(c, PLUGIN_STATUS_PROTOCOL, "plugin '%s' sent an unexpected message", c->e->name);
        }
        wire_msg_clear(&m);
    }
    if (rc < 0)
        set_status(c, PLUGIN_STATUS_PROTOCOL, "plugin '%s' sent a malformed stream", c->e->name);
    return done;
}

/* How the child ended; runs before the stream is read so that a kill
 * (timeout, overflow, signal) is the reported cause, not its torn stream. */
static void fate(run_ctx_t *c, const child_out_t *o)
{
    int ws = o->wait_status;
    if (o->timed_out)
        set_status(c, PLUGIN_STATUS_TIMEOUT, "plugin '%s' timed out after %u ms and was killed", c->e->name,
                   c->lim->timeout_ms);
    else if (o->overflow)
        set_status(c, PLUGIN_STATUS_LIMIT, "plugin '%s' sent more than %zu bytes and was killed", c->e->name,
                   c->lim->max_wire_bytes);
    else if (WIFSIGNALED(ws)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(ws));
        c->st->signal = WTERMSIG(ws);
        set_status(c, PLUGIN_STATUS_CRASHED, "plugin '%s' was killed by signal %d (SIG%s)%s", c->e->name,
                   WTERMSIG(ws), abbrev ? abbrev : "?", WTERMSIG(ws) == SIGXCPU ? ": CPU limit" : "");
    } else if (WIFEXITED(ws))
        c->st->exit_code = WEXITSTATUS(ws);
}

static int plugin_error(run_ctx_t *c)
{
    analysis_finding_t f = { 0 };
    f.plugin = strdup(c->e->name);
    f.rule_id = strdup("plugin_error");
    f.severity = AIRLOCK_SEV_HIGH;
    f.message = strdup(c->detail);
    if (!f.plugin || !f.rule_id || !f.message || result_push(c->r, &c->cap, &f) != 0) {
        finding_free(&f);
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    }
    al_warn("plugin.error", "plugin=%s status=%s", c->e->name, plugin_status_name(c->st->status));
    return 0;
}

/* Turns one finished child into a status, findings and maybe a plugin_error. */
static int collect(const plugin_set_t *set, size_t i, run_ctx_t *c, const child_out_t *out)
{
    c->e = &set->items[i];
    c->st = &c->r->plugins[i];
    c->r->n_plugins = i + 1;
    if (!(c->st->plugin = strdup(c->e->name)))
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    c->st->wall_us = out->wall_us;
    fate(c, out);
    if (!stream_read(c, out))
        set_status(c, PLUGIN_STATUS_PROTOCOL, "plugin '%s' exited (status %d) before completing", c->e->name,
                   WIFEXITED(out->wait_status) ? WEXITSTATUS(out->wait_status) : -1);
    return c->st->status != PLUGIN_STATUS_OK ? plugin_error(c) : 0;
}

/* Runs plugins [first, first + n) at the same time, one analyzer host each,
 * all reading the view from input_fd. */
static int run_batch(const plugin_set_t *set, size_t first, size_t n, int input_fd, run_ctx_t *c)
{
    child_t cs[PLUGIN_MAX_PARALLEL];
    size_t started = 0;
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        child_job_t job = { set->helper, set->items[first + k].path, input_fd, set->limits };
        rc = child_start(&job, &cs[k]);
        started = k + 1;
    }
    if (rc == 0)
        child_supervise(cs, n);
    for (size_t k = 0; k < started; k++) {
        child_finish(&cs[k]);
        if (rc == 0)
            rc = collect(set, first + k, c, &cs[k].out);
        child_out_free(&cs[k].out);
    }
    return rc;
}

/* The host's own findings: post-images it could not hand over. A binary
 * the base did not take (the patch will not apply) is left to apply. */
static int unscanned_findings(const plugin_input_t *pi, run_ctx_t *c)
{
    for (uint32_t i = 0; i < pi->in.n_files; i++) {
        const airlock_file_t *f = &pi->files[i];
        const char *why = (f->flags & AIRLOCK_FILE_CONTENT_TRUNCATED)
                              ? "post-image over the analysis size bound: not analyzed"
                          : (f->flags & AIRLOCK_FILE_UNDECODED) && !pi->preview_failed
                              ? "binary post-image could not be decoded: not analyzed"
                              : NULL;
        if (!why)
            continue;
        analysis_finding_t g = { 0 };
        g.plugin = strdup(PLUGIN_HOST_ANALYZER);
        g.rule_id = strdup(PLUGIN_RULE_UNSCANNED);
        g.severity = AIRLOCK_SEV_HIGH;
        g.file = strdup(f->path);
        g.message = strdup(why);
        if (!g.plugin || !g.rule_id || !g.file || !g.message || result_push(c->r, &c->cap, &g) != 0) {
            finding_free(&g);
            return al_err_set(AL_ENOMEM, "plugin host: out of memory");
        }
        if (sanitize(&c->r->findings[c->r->n_findings - 1].file) != 0)
            return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    }
    return 0;
}

int plugin_host_run(const plugin_set_t *set, const char *patch, size_t len, const char *workspace,
                    analysis_result_t **out)
{
    return plugin_host_run_job(set, patch, len, workspace, NULL, 0, out);
}

int plugin_host_run_job(const plugin_set_t *set, const char *patch, size_t len, const char *workspace,
                        const plugin_command_t *cmds, size_t n_cmds, analysis_result_t **out)
{
    plugin_source_t src = PLUGIN_SOURCE_INIT;
    src.patch = patch;
    src.patch_len = len;
    src.workspace_dir = workspace;
    src.cmds = cmds;
    src.n_cmds = n_cmds;
    return plugin_host_run_source(set, &src, out);
}

int plugin_host_run_source(const plugin_set_t *set, const plugin_source_t *src, analysis_result_t **out)
{
    plugin_input_t pi;
    run_ctx_t c = { 0 };
    uint64_t caps = 0;
    int rc, input_fd = -1;
    *out = NULL;
    if (!set || !src || src->version != PLUGIN_SOURCE_VERSION || (!src->patch && src->patch_len))
        return al_err_set(AL_EINVAL, "plugin_host_run: no set, bad source version or no patch");
    if ((rc = plugin_commands_check(src->cmds, src->n_cmds)) != 0)
        return rc;
    for (size_t i = 0; i < set->n; i++)
        caps |= set->items[i].caps;
    plugin_input_opts_t o = plugin_input_opts(caps, &set->limits);
    if ((rc = plugin_input_build(&pi, src, &o)) != 0)
        return rc;
    c.lim = &set->limits;
    if ((rc = plugin_commands_build(&pi, src->cmds, src->n_cmds)) != 0)
        goto done;
    if (!(c.r = calloc(1, sizeof *c.r)) || !(c.r->plugins = calloc(set->n + 1, sizeof *c.r->plugins))) {
        rc = al_err_set(AL_ENOMEM, "plugin host: out of memory");
        goto done;
    }
    c.r->patch_parsed = pi.parsed;
    c.r->n_files = pi.in.n_files;
    c.r->n_commands = pi.in.n_commands;
    if (set->n)
        rc = unscanned_findings(&pi, &c);
    if (set->n && rc == 0)
        rc = input_blob_write(&pi.in, &input_fd);
    for (size_t i = 0; i < set->n && rc == 0; i += set->limits.parallel) {
        size_t n = set->n - i < set->limits.parallel ? set->n - i : set->limits.parallel;
        rc = run_batch(set, i, n, input_fd, &c);
    }
    if (input_fd >= 0)
        close(input_fd);
    if (rc == 0) {
        *out = c.r;
        c.r = NULL;
    }
done:
    analysis_result_destroy(&c.r);
    plugin_input_free(&pi);
    return rc;
}

void analysis_result_destroy(analysis_result_t **p)
{
    if (!p || !*p)
        return;
    analysis_result_t *r = *p;
    for (size_t i = 0; i < r->n_findings; i++)
        finding_free(&r->findings[i]);
    for (size_t i = 0; r->plugins && i < r->n_plugins; i++)
        free(r->plugins[i].plugin);
    free(r->findings);
    free(r->plugins);
    free(r);
    *p = NULL;
}

int analysis_result_max_severity(const analysis_result_t *r)
{
    int max = -1;
    for (size_t i = 0; r && i < r->n_findings; i++)
        if (r->findings[i].severity > max)
            max = r->findings[i].severity;
    return max;
}

const char *plugin_status_name(plugin_status_t s)
{
    static const char *const names[] = { "ok", "failed", "crashed", "timeout", "limit", "protocol" };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}
