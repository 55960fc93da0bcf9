/*
 * jobspec_emit.c: jobspec_to_json (canonical JSON of a parsed job, every
 * default filled in, keys sorted), table-driven from jobspec_fields[] like
 * the parser, plus the small policy helpers (path_writable, severity_parse).
 * Owns the jansson tree it builds until it is dumped.
 */
#include "common/jobspec/jobspec_internal.h"

#include "common/error.h"
#include "common/utf8.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define AT(job, f) ((const char *)(job) + (f)->offset)

static json_t *cmd_json(const jobspec_cmd_t *c)
{
    if (c->kind == JOBSPEC_CMD_SHELL)
        return json_string(c->argv[2]);
    json_t *a = json_array();
    for (size_t i = 0; a && i < c->argc; i++)
        if (json_array_append_new(a, json_string(c->argv[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *field_json(const jobspec_field_t *f, const jobspec_t *job)
{
    json_t *v = NULL;
    switch (f->info.type) {
    case JOBSPEC_T_OBJECT: return json_object();
    case JOBSPEC_T_STRING: {   /* a patch that is not UTF-8 is left out: patch_b64 carries it */
        const char *s = *(char *const *)AT(job, f);
        return s && al_utf8_valid(s) ? json_string(s) : json_null();
    }
    case JOBSPEC_T_INTEGER: return json_integer(*(const int64_t *)AT(job, f));
    case JOBSPEC_T_ENUM: return json_string(f->info.enum_values[*(const int *)AT(job, f)]);
    case JOBSPEC_T_COMMAND: return cmd_json((const jobspec_cmd_t *)AT(job, f));
    case JOBSPEC_T_STRING_ARRAY: {
        const jobspec_strv_t *sv = (const jobspec_strv_t *)AT(job, f);
        v = json_array();
        for (size_t i = 0; v && i < sv->n; i++)
            if (json_array_append_new(v, json_string(sv->items[i])) != 0)
                goto fail;
        return v;
    }
    case JOBSPEC_T_COMMAND_ARRAY: {
        const jobspec_cmdv_t *cv = (const jobspec_cmdv_t *)AT(job, f);
        v = json_array();
        for (size_t i = 0; v && i < cv->n; i++)
            if (json_array_append_new(v, cmd_json(&cv->items[i])) != 0)
                goto fail;
        return v;
    }
    case JOBSPEC_T_STRING_MAP: {
        const jobspec_labels_t *lv = (const jobspec_labels_t *)AT(job, f);
        v = json_object();
        for (size_t i = 0; v && i < lv->n; i++)
            if (json_object_set_new(v, lv->items[i].key, json_string(lv->items[i].value)) != 0)
                goto fail;
        return v;
    }
    }
fail:
    json_decref(v);
    return NULL;
}

/* The object that holds `path`'s last component (creating nothing: parents
 * come earlier in the table than their members). */
static json_t *parent_of(json_t *root, const char *path, const char **leaf)
{
    json_t *o = root;
    char part[64];
    const char *p = path, *dot;
    while ((dot = strchr(p, '.')) && o) {
        size_t n = (size_t)(dot - p);
        if (n >= sizeof part)
            return NULL;
        memcpy(part, p, n);
        part[n] = '\0';
        o = json_object_get(o, part);
        p = dot + 1;
    }
    *leaf = p;
    return o;
}

char *jobspec_to_json(const jobspec_t *job)
{
    json_t *root = json_object();
    char *out = NULL;
    if (!root || !job)
        goto done;
    for (size_t i = 0; i < jobspec_n_fields; i++) {
        const jobspec_field_t *f = &jobspec_fields[i];
        const char *leaf = NULL;
        json_t *parent = parent_of(root, f->info.path, &leaf);
        json_t *v = field_json(f, job);
        if (v && json_is_null(v)) {
            json_decref(v);
            continue; /* absent optional string */
        }
        if (!parent || !v || json_object_set_new(parent, leaf, v) != 0)
            goto done;
    }
    out = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
done:
    if (!out)
        al_err_set(AL_ENOMEM, "job: cannot serialize (out of memory)");
    json_decref(root);
    return out;
}

int jobspec_path_writable(const jobspec_t *job, const char *path)
{
    int ok = 0;
    for (size_t i = 0; i < job->policy.write_paths.n && !ok; i++)
        ok = jobspec_glob_match(job->policy.write_paths.items[i], path);
    for (size_t i = 0; i < job->policy.protected_paths.n && ok; i++)
        ok = !jobspec_glob_match(job->policy.protected_paths.items[i], path);
    return ok;
}

int jobspec_isolation_parse(const char *name, int *out)
{
    for (int i = 0; name && i <= JOBSPEC_ISO_KVM; i++)
        if (strcmp(name, jobspec_isolation_name(i)) == 0) {
            *out = i;
            return 0;
        }
    return al_err_set(AL_EINVAL, "unknown isolation level '%s'", name ? name : "(null)");
}

int jobspec_severity_parse(const char *name, int *out)
{
    for (int i = 0; name && i <= JOBSPEC_SEV_CRITICAL; i++)
        if (strcmp(name, jobspec_severity_name(i)) == 0) {
            *out = i;
            return 0;
        }
    return al_err_set(AL_EINVAL, "unknown severity '%s'", name ? name : "(null)");
}
