/*
 * loader.c: plugin_host_load, the descriptor checks, and evidence redaction.
 * Owns the dlopen handle of each plugin_t (closed by plugin_destroy).
 * The checks are a table-free sequence in field order so each error names
 * exactly one field and both values, as PostgreSQL's PG_MODULE_MAGIC does.
 */
#include "worker/plugin_host/plugin_host.h"

#include "common/error.h"

#include <ctype.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct plugin {
    void *handle;
    char *path;
    const airlock_plugin_t *desc;
};

static int name_ok(const char *s)
{
    size_t n = s ? strnlen(s, 33) : 0;
    return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int plugin_descriptor_check(const char *what, const airlock_plugin_t *d)
{
    if (!d)
        return al_err_set(AL_EPLUGIN, "%s: %s() returned NULL", what, AIRLOCK_PLUGIN_SYMBOL);
    if (d->abi_version != AIRLOCK_PLUGIN_ABI_VERSION)
        return al_err_set(AL_EPLUGIN, "%s: abi_version is %" PRIu32 ", host supports %u", what,
                          d->abi_version, AIRLOCK_PLUGIN_ABI_VERSION);
    if (d->struct_size < AIRLOCK_PLUGIN_V2_SIZE)
        return al_err_set(AL_EPLUGIN, "%s: struct_size is %" PRIu32 ", ABI %u needs at least %zu",
                          what, d->struct_size, AIRLOCK_PLUGIN_ABI_VERSION, AIRLOCK_PLUGIN_V2_SIZE);
    if (d->capabilities & ~AIRLOCK_CAP_ALL)
        return al_err_set(AL_EPLUGIN,
                          "%s: capabilities is 0x%" PRIx64 ", host knows 0x%" PRIx64
                          " (unknown bits 0x%" PRIx64 ")",
                          what, d->capabilities, (uint64_t)AIRLOCK_CAP_ALL,
                          d->capabilities & ~AIRLOCK_CAP_ALL);
    if (!name_ok(d->name))
        return al_err_set(AL_EPLUGIN, "%s: name is %s, must match [a-z0-9_-]{1,32}", what,
                          d->name ? "malformed" : "NULL");
    if (!d->version || strnlen(d->version, 65) > 64)
        return al_err_set(AL_EPLUGIN, "%s: version is %s, must be a string of at most 64 bytes",
                          what, d->version ? "too long" : "NULL");
    static const char *const fn_names[] = { "init", "analyze", "fini" };
    const void *fns[] = { (const void *)d->init, (const void *)d->analyze, (const void *)d->fini };
    for (size_t i = 0; i < 3; i++)
        if (!fns[i])
            return al_err_set(AL_EPLUGIN, "%s: %s is NULL, host requires a function", what,
                              fn_names[i]);
    for (size_t i = 0; i < sizeof d->reserved / sizeof d->reserved[0]; i++)
        if (d->reserved[i])
            return al_err_set(AL_EPLUGIN, "%s: reserved[%zu] is %p, must be NULL", what, i,
                              d->reserved[i]);
    return 0;
}

int plugin_host_load(const char *path, plugin_t **out) { return plugin_host_load_as(path, path, out); }

int plugin_host_load_as(const char *load_path, const char *path, plugin_t **out)
{
    int rc = 0;
    plugin_t *p = NULL;
    const char *base = path ? strrchr(path, '/') : NULL;
    const char *what = base ? base + 1 : path;
    *out = NULL;
    if (!path || !load_path)
        return al_err_set(AL_EINVAL, "plugin: no path");
    if (!(p = calloc(1, sizeof *p)) || !(p->path = strdup(path))) {
        rc = al_err_set(AL_ENOMEM, "plugin %s: out of memory", what);
        goto done;
    }
    dlerror();
    if (!(p->handle = dlopen(load_path, RTLD_NOW | RTLD_LOCAL))) {
        const char *e = dlerror();
        rc = al_err_set(AL_EPLUGIN, "plugin %s: cannot load: %s", what, e ? e : "unknown error");
        goto done;
    }
    const airlock_plugin_t *(*fn)(void) = NULL;
    *(void **)&fn = dlsym(p->handle, AIRLOCK_PLUGIN_SYMBOL);
    if (!fn) {
        rc = al_err_set(AL_EPLUGIN, "plugin %s: symbol %s is missing", what, AIRLOCK_PLUGIN_SYMBOL);
        goto done;
    }
    p->desc = fn();
    char label[300];
    snprintf(label, sizeof label, "plugin %s", what);
    if ((rc = plugin_descriptor_check(label, p->desc)) != 0)
        goto done;
    *out = p;
    p = NULL;
done:
    plugin_destroy(&p);
    return rc;
}

void plugin_destroy(plugin_t **pp)
{
    if (!pp || !*pp)
        return;
    plugin_t *p = *pp;
    if (p->handle)
        dlclose(p->handle);
    free(p->path);
    free(p);
    *pp = NULL;
}

const airlock_plugin_t *plugin_descriptor(const plugin_t *p) { return p ? p->desc : NULL; }
const char *plugin_path(const plugin_t *p) { return p ? p->path : NULL; }

char *plugin_evidence_redact(char *dst, size_t dst_size, const char *ev, size_t len)
{
    size_t keep = len / 4;
    if (keep > 4)
        keep = 4;
    if (keep > dst_size - 9)
        keep = dst_size - 9;
    for (size_t i = 0; i < keep; i++)
        dst[i] = isprint((unsigned char)ev[i]) ? ev[i] : '?';
    memcpy(dst + keep, "********", 9);
    return dst;
}
