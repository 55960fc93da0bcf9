/*
 * set.c: plugin_set_t, the plugins a worker runs, each PROBED in an
 * analyzer host (airlock-analyzer) before it is admitted (the worker never
 * dlopens a plugin itself), and which analyzer host to run. Owns each
 * entry's path, name and version strings and the helper path.
 */
#include "worker/plugin_host/plugin_host_set.h"

#include "common/error.h"
#include "common/log.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define PLUGIN_ANALYZER_HOST_DEFAULT AIRLOCK_BUILD_DIR "/worker/plugin_host/airlock-analyzer"

plugin_set_t *plugin_set_new(const plugin_limits_t *limits)
{
    static const plugin_limits_t defaults = PLUGIN_LIMITS_INIT;
    plugin_set_t *s = calloc(1, sizeof *s);
    if (!s) {
        al_err_set(AL_ENOMEM, "plugin set: out of memory");
        return NULL;
    }
    s->limits = limits ? *limits : defaults;
    if (s->limits.max_findings == 0 || s->limits.max_findings > 100000)
        s->limits.max_findings = AIRLOCK_MAX_FINDINGS;
    if (s->limits.timeout_ms == 0)
        s->limits.timeout_ms = defaults.timeout_ms;
    if (s->limits.max_wire_bytes < 4096)
        s->limits.max_wire_bytes = 4096;
    if (s->limits.parallel == 0)
        s->limits.parallel = 1;
    if (s->limits.parallel > PLUGIN_MAX_PARALLEL)
        s->limits.parallel = PLUGIN_MAX_PARALLEL;
    if (!(s->helper = strdup(PLUGIN_ANALYZER_HOST_DEFAULT))) {
        free(s);
        al_err_set(AL_ENOMEM, "plugin set: out of memory");
        return NULL;
    }
    return s;
}

int plugin_set_helper(plugin_set_t *s, const char *path)
{
    if (!s || !path || !*path)
        return al_err_set(AL_EINVAL, "plugin_set_helper: no set or no path");
    char *copy = strdup(path);
    if (!copy)
        return al_err_set(AL_ENOMEM, "plugin set: out of memory");
    free(s->helper);
    s->helper = copy;
    return 0;
}

void plugin_set_destroy(plugin_set_t **p)
{
    if (!p || !*p)
        return;
    plugin_set_t *s = *p;
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].path);
        free(s->items[i].name);
        free(s->items[i].version);
    }
    free(s->items);
    free(s->helper);
    free(s);
    *p = NULL;
}

size_t plugin_set_count(const plugin_set_t *s) { return s ? s->n : 0; }

const char *plugin_set_name(const plugin_set_t *s, size_t i)
{
    return s && i < s->n ? s->items[i].name : NULL;
}

/* Reads the probe child's single INFO or ERROR message. */
static int probe_read(const char *what, const child_out_t *o, plugin_entry_t *e)
{
    wire_msg_t m;
    size_t off = 0;
    if (o->timed_out)
        return al_err_set(AL_EPLUGIN, "plugin %s: timed out while loading", what);
    if (WIFSIGNALED(o->wait_status))
        return al_err_set(AL_EPLUGIN, "plugin %s: killed by signal %d (%s) while loading", what,
                          WTERMSIG(o->wait_status), strsignal(WTERMSIG(o->wait_status)));
    if (wire_next(o->buf, o->len, &off, &m) != 1)
        return al_err_set(AL_EPLUGIN, "plugin %s: no answer from the probe (exit status %d)", what,
                          WIFEXITED(o->wait_status) ? WEXITSTATUS(o->wait_status) : -1);
    int rc = 0;
    if (m.type == WIRE_ERROR)
        rc = al_err_set(AL_EPLUGIN, "%s", m.s1);
    else if (m.type != WIRE_INFO || m.i1 < 0 || ((uint64_t)m.i1 & ~AIRLOCK_CAP_ALL) || !m.s1[0]
             || strspn(m.s1, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(m.s1))
        rc = al_err_set(AL_EPLUGIN, "plugin %s: unexpected probe answer", what);
    else {
        e->name = m.s1;
        e->version = m.s2;
        e->caps = (uint64_t)m.i1;
        m.s1 = m.s2 = NULL;
    }
    wire_msg_clear(&m);
    return rc;
}

int plugin_set_add(plugin_set_t *s, const char *path)
{
    if (!s || !path)
        return al_err_set(AL_EINVAL, "plugin_set_add: no set or no path");
    child_job_t job = { s->helper, path, -1, s->limits };
    child_out_t out;
    plugin_entry_t e = { 0 };
    const char *slash = strrchr(path, '/');
    const char *what = slash ? slash + 1 : path;
    int rc = child_run(&job, &out);
    if (rc == 0)
        rc = probe_read(what, &out, &e);
    child_out_free(&out);
    for (size_t i = 0; rc == 0 && i < s->n; i++)
        if (strcmp(s->items[i].name, e.name) == 0)
            rc = al_err_set(AL_EEXISTS, "plugin %s: a plugin named '%s' is already loaded", what,
                            e.name);
    plugin_entry_t *grown = rc == 0 ? realloc(s->items, (s->n + 1) * sizeof *grown) : NULL;
    if (rc == 0 && (!grown || !(e.path = strdup(path))))
        rc = al_err_set(AL_ENOMEM, "plugin set: out of memory");
    if (grown)
        s->items = grown;
    if (rc != 0) {
        free(e.name);
        free(e.version);
        free(e.path);
        return rc;
    }
    s->items[s->n++] = e;
    al_info("plugin.loaded", "plugin=%s version=%s caps=0x%llx", e.name, e.version,
            (unsigned long long)e.caps);
    return 0;
}

int plugin_set_add_names(plugin_set_t *s, const char *dir, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = names[i] ? strlen(names[i]) : 0;
        if (len < 1 || len > 32 || strspn(names[i], "abcdefghijklmnopqrstuvwxyz0123456789_-") != len)
            return al_err_set(AL_EINVAL, "analyzer name %zu: must match [a-z0-9_-]{1,32}", i);
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.so", dir, names[i]);
        int rc = plugin_set_add(s, path);
        if (rc != 0)
            return rc;
    }
    return 0;
}
