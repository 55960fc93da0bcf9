/*
 * jobspec.c: jobspec_parse (JSON -> validated, defaulted jobspec_t),
 * jobspec_to_json (canonical JSON) and jobspec_destroy. Table-driven: every
 * rule comes from jobspec_fields[] (jobspec_fields.c); this file only knows
 * how to read and write each field TYPE. JSON parsing is jansson's
 * (duplicate keys and NUL characters rejected). Owns the jobspec it builds
 * until it hands it to the caller.
 */
#include "common/jobspec/jobspec_internal.h"

#include "common/base64.h"
#include "common/error.h"
#include "common/log.h"
#include "common/utf8.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define AT(job, f) ((char *)(job) + (f)->offset)

static const char k_sh[] = "/bin/sh";

/* ---- errors ---------------------------------------------------------------- */

static int fail(const char *path, const char *rule)
{
    return al_err_set(AL_EINVAL, "%s: %s", path, rule);
}

static int fail_item(const char *path, size_t i, const char *rule)
{
    return al_err_set(AL_EINVAL, "%s[%zu]: %s", path, i, rule);
}

/* ---- strings and commands ----------------------------------------------------- */

/* Copies a JSON string within [lo, hi] bytes and applies the field's check. */
static int take_string(const json_t *v, int64_t lo, int64_t hi, jobspec_check_fn check,
                       char **out, const char **rule)
{
    static _Thread_local char buf[96];
    *out = NULL;
    if (!json_is_string(v))
        return *rule = "must be a string", AL_EINVAL;
    size_t n = json_string_length(v);
    if ((int64_t)n < lo || (int64_t)n > hi) {
        snprintf(buf, sizeof buf, "length must be between %lld and %lld bytes", (long long)lo,
                 (long long)hi);
        return *rule = buf, AL_EINVAL;
    }
    char *s = strndup(json_string_value(v), n);
    if (!s)
        return *rule = "out of memory", AL_ENOMEM;
    const char *r = check ? check(&s) : NULL;
    if (r) {
        free(s);
        return *rule = r, AL_EINVAL;
    }
    *out = s;
    return 0;
}

static void cmd_free(jobspec_cmd_t *c)
{
    if (!c->argv)
        return;
    for (size_t i = c->kind == JOBSPEC_CMD_SHELL ? 2 : 0; i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    c->argv = NULL;
    c->argc = 0;
}

static int take_command(const json_t *v, const char *path, jobspec_cmd_t *c)
{
    const char *rule = NULL;
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    memset(c, 0, sizeof *c);
    if (!json_is_string(v) && !json_is_array(v))
        return fail(path, "must be a string (run by /bin/sh -c) or an array of strings (argv)");
    if (json_is_array(v) && (n < 1 || n > JOBSPEC_MAX_ARGV))
        return al_err_set(AL_EINVAL, "%s: argv must have between 1 and %d entries", path,
                          JOBSPEC_MAX_ARGV);
    c->kind = json_is_string(v) ? JOBSPEC_CMD_SHELL : JOBSPEC_CMD_ARGV;
    size_t total = c->kind == JOBSPEC_CMD_SHELL ? 3 : n;
    c->argv = calloc(total + 1, sizeof *c->argv);
    if (!c->argv)
        return al_err_set(AL_ENOMEM, "%s: out of memory", path);
    if (c->kind == JOBSPEC_CMD_SHELL) {
        c->argv[0] = (char *)k_sh;
        c->argv[1] = (char *)"-c";
        c->argc = 2;
        if (take_string(v, 1, JOBSPEC_MAX_CMD_LEN, jobspec_check_script, &c->argv[2], &rule) != 0)
            return fail(path, rule);
        c->argc = 3;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t lo = i == 0 ? 1 : 0;
        if (take_string(json_array_get(v, i), lo, JOBSPEC_MAX_CMD_LEN, NULL, &c->argv[i], &rule) != 0)
            return fail_item(path, i, rule);
        c->argc = i + 1;
    }
    return 0;
}

/* ---- field types ------------------------------------------------------------------ */

static int parse_int(const jobspec_field_t *f, const json_t *v, jobspec_t *job)
{
    if (!v) {
        *(int64_t *)AT(job, f) = f->def_int;
        return 0;
    }
    json_int_t x = json_is_integer(v) ? json_integer_value(v) : 0;
    if (!json_is_integer(v) || x < f->info.min || x > f->info.max)
        return al_err_set(AL_EINVAL, "%s: must be an integer between %lld and %lld", f->info.path,
                          (long long)f->info.min, (long long)f->info.max);
    *(int64_t *)AT(job, f) = x;
    return 0;
}

static int parse_enum(const jobspec_field_t *f, const json_t *v, jobspec_t *job)
{
    char list[128] = "";
    if (!v) {
        *(int *)AT(job, f) = (int)f->def_int;
        return 0;
    }
    for (int i = 0; json_is_string(v) && f->info.enum_values[i]; i++)
        if (strcmp(json_string_value(v), f->info.enum_values[i]) == 0) {
            *(int *)AT(job, f) = i;
            return 0;
        }
    for (int i = 0; f->info.enum_values[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 f->info.enum_values[i]);
    return al_err_set(AL_EINVAL, "%s: must be one of %s", f->info.path, list);
}

static int parse_str(const jobspec_field_t *f, const json_t *v, jobspec_t *job)
{
    const char *rule = NULL;
    char **dst = (char **)AT(job, f);
    if (!v) /* absent optional: patch defaults to "", others stay NULL */
        return strcmp(f->info.path, "patch") == 0 && !(*dst = strdup(""))
                   ? al_err_set(AL_ENOMEM, "patch: out of memory") : 0;
    int rc = take_string(v, f->info.min, f->info.max, f->check, dst, &rule);
    return rc == 0 ? 0 : al_err_set(rc, "%s: %s", f->info.path, rule);
}

static int strv_push(jobspec_strv_t *sv, char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->items[i], s) == 0)
            return 1;
    sv->items[sv->n++] = s;
    return 0;
}

static int parse_strv(const jobspec_field_t *f, const json_t *v, jobspec_t *job)
{
    jobspec_strv_t *sv = (jobspec_strv_t *)AT(job, f);
    const char *rule = NULL;
    size_t n = 0;
    if (!v)
        while (f->def_list[n])
            n++;
    else if (!json_is_array(v) || json_array_size(v) > (size_t)f->info.max)
        return al_err_set(AL_EINVAL, "%s: must be an array of at most %lld strings", f->info.path,
                          (long long)f->info.max);
    else
        n = json_array_size(v);
    sv->items = calloc(n + 1, sizeof *sv->items);
    if (!sv->items)
        return al_err_set(AL_ENOMEM, "%s: out of memory", f->info.path);
    for (size_t i = 0; i < n; i++) {
        char *s = NULL;
        if (!v) {
            if (!(s = strdup(f->def_list[i])))
                return al_err_set(AL_ENOMEM, "%s: out of memory", f->info.path);
        } else {
            int rc = take_string(json_array_get(v, i), 1, f->info.item_max, f->check, &s, &rule);
            if (rc != 0)
                return rc == AL_ENOMEM ? al_err_set(rc, "out of memory") : fail_item(f->info.path, i, rule);
        }
        if (strv_push(sv, s)) {
            free(s);
            return fail_item(f->info.path, i, "duplicate entry");
        }
    }
    return 0;
}

static int parse_cmdv(const jobspec_field_t *f, const json_t *v, jobspec_t *job)
{
    jobspec_cmdv_t *cv = (jobspec_cmdv_t *)AT(job, f);
    char path[64];
    size_t n = v ? json_array_size(v) : 0;
    if (v && (!json_is_array(v) || n > (size_t)f->info.max))
        return al_err_set(AL_EINVAL, "%s: must be an array of at most %lld commands", f->info.path,
                          (long long)f->info.max);
    cv->items = calloc(n + 1, sizeof *cv->items);
    if (!cv->items)
        return al_err_set(AL_ENOMEM, "%s: out of memory", f->info.path);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s[%zu]", f->info.path, i);
        cv->n = i + 1;
        if (take_command(json_array_get(v, i), path, &cv->items[i]) != 0)
            return al_err_code();
    }
    return 0;
}

static int label_cmp(const void *a, const void *b)
{
    return strcmp(((const jobspec_label_t *)a)->key, ((const jobspec_label_t *)b)->key);
}

static int parse_map(const jobspec_field_t *f, const json_t *v, jobspec_t *job)
{
    jobspec_labels_t *lv = (jobspec_labels_t *)AT(job, f);
    const char *key, *rule = NULL;
    json_t *val;
    char qkey[80];
    if (v && (!json_is_object(v) || json_object_size(v) > (size_t)f->info.max))
        return al_err_set(AL_EINVAL, "%s: must be an object of at most %lld strings", f->info.path,
                          (long long)f->info.max);
    lv->items = calloc((v ? json_object_size(v) : 0) + 1, sizeof *lv->items);
    if (!lv->items)
        return al_err_set(AL_ENOMEM, "%s: out of memory", f->info.path);
    json_object_foreach((json_t *)v, key, val) {
        jobspec_label_t *l = &lv->items[lv->n];
        json_t *jk = json_string(key);
        int rc = jk ? take_string(jk, 1, 64, f->key_check, &l->key, &rule) : AL_ENOMEM;
        json_decref(jk);
        if (rc != 0)
            return al_err_set(rc, "%s.%s: %s", f->info.path, al_log_quote(qkey, sizeof qkey, key),
                              rc == AL_ENOMEM ? "out of memory" : rule);
        lv->n++;
        if ((rc = take_string(val, 0, f->info.item_max, f->check, &l->value, &rule)) != 0)
            return al_err_set(rc, "%s.%s: %s", f->info.path, l->key, rule);
    }
    qsort(lv->items, lv->n, sizeof *lv->items, label_cmp);
    return 0;
}

/* ---- objects: unknown fields, then every field of this level --------------------- */

static int parent_is(const char *path, const char *prefix)
{
    size_t pl = strlen(prefix);
    const char *rest = path;
    if (pl) {
        if (strncmp(path, prefix, pl) != 0 || path[pl] != '.')
            return 0;
        rest = path + pl + 1;
    }
    return strchr(rest, '.') == NULL;
}

static const jobspec_field_t *field_find(const char *prefix, const char *key)
{
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < jobspec_n_fields; i++) {
        const char *p = jobspec_fields[i].info.path;
        if (!parent_is(p, prefix))
            continue;
        if (strcmp(pl ? p + pl + 1 : p, key) == 0)
            return &jobspec_fields[i];
    }
    return NULL;
}

static int parse_object(const char *prefix, const json_t *obj, jobspec_t *job);

static int parse_field(const jobspec_field_t *f, const json_t *v, jobspec_t *job)
{
    if (!v && f->info.required)
        return fail(f->info.path, "required field is missing");
    switch (f->info.type) {
    case JOBSPEC_T_OBJECT: return parse_object(f->info.path, v, job);
    case JOBSPEC_T_STRING: return parse_str(f, v, job);
    case JOBSPEC_T_INTEGER: return parse_int(f, v, job);
    case JOBSPEC_T_ENUM: return parse_enum(f, v, job);
    case JOBSPEC_T_STRING_ARRAY: return parse_strv(f, v, job);
    case JOBSPEC_T_COMMAND: return take_command(v, f->info.path, (jobspec_cmd_t *)AT(job, f));
    case JOBSPEC_T_COMMAND_ARRAY: return parse_cmdv(f, v, job);
    case JOBSPEC_T_STRING_MAP: return parse_map(f, v, job);
    }
    return al_err_set(AL_EINVAL, "%s: unknown field type", f->info.path);
}

/* obj NULL: the object is absent, every member gets its default. */
static int parse_object(const char *prefix, const json_t *obj, jobspec_t *job)
{
    const char *key;
    json_t *v;
    char q[80];
    if (obj && !json_is_object(obj))
        return prefix[0] ? fail(prefix, "must be an object")
                         : al_err_set(AL_EINVAL, "job: must be a JSON object");
    json_object_foreach((json_t *)obj, key, v) {
        if (!field_find(prefix, key))
            return al_err_set(AL_EINVAL, "%s%sunknown field '%s'", prefix, prefix[0] ? ": " : "",
                              al_log_quote(q, sizeof q, key));
    }
    for (size_t i = 0; i < jobspec_n_fields; i++) {
        const jobspec_field_t *f = &jobspec_fields[i];
        if (!parent_is(f->info.path, prefix) || strcmp(f->info.path, prefix) == 0)
            continue;
        const char *name = f->info.path + (prefix[0] ? strlen(prefix) + 1 : 0);
        int rc = parse_field(f, obj ? json_object_get(obj, name) : NULL, job);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A driver pinned below the job's own minimum isolation could never run it. */
static int s_check_isolation(const jobspec_t *job)
{
    int max = job->driver == JOBSPEC_DRIVER_NS       ? JOBSPEC_ISO_NS
              : job->driver == JOBSPEC_DRIVER_GVISOR ? JOBSPEC_ISO_GVISOR
                                                     : JOBSPEC_ISO_KVM;
    if (job->policy.min_isolation > max)
        return al_err_set(AL_EINVAL, "policy.min_isolation: '%s' is stronger than driver '%s' gives",
                          jobspec_isolation_name(job->policy.min_isolation), jobspec_driver_name(job->driver));
    return 0;
}

/* patch_b64 decoded into patch; kept (to be emitted) only when the bytes are
 * not UTF-8, so each patch has one canonical form. */
static int s_patch_b64(jobspec_t *job)
{
    if (!job->patch_b64)
        return 0;
    if (job->patch[0])
        return al_err_set(AL_EINVAL, "patch, patch_b64: give one of them");
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = al_b64_decode(job->patch_b64, &bytes, &len);   /* checked already (jobspec_check_base64) */
    if (rc == AL_ENOMEM)
        return al_err_set(rc, "patch_b64: out of memory");
    if (rc != AL_OK || len > JOBSPEC_MAX_PATCH || memchr(bytes, '\0', len)) {
        free(bytes);
        const char *why = rc != AL_OK ? "not base64" : len > JOBSPEC_MAX_PATCH ? "more than 4 MiB" : "holds a NUL byte";
        return al_err_set(AL_EINVAL, "patch_b64: %s", why);
    }
    free(job->patch);
    job->patch = (char *)bytes;
    if (al_utf8_valid(job->patch)) {
        free(job->patch_b64);
        job->patch_b64 = NULL;
    }
    return 0;
}

int jobspec_parse(const char *json, size_t len, jobspec_t **out)
{
    json_error_t jerr;
    json_t *root = NULL;
    jobspec_t *job = NULL;
    int rc = 0;
    *out = NULL;
    if (!json)
        return al_err_set(AL_EINVAL, "job: no document");
    if (len > JOBSPEC_MAX_JSON)
        return al_err_set(AL_ELIMIT, "job: document is %zu bytes, limit %u", len, JOBSPEC_MAX_JSON);
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        rc = al_err_set(AL_EINVAL, "job: invalid JSON at line %d column %d: %s", jerr.line,
                        jerr.column, jerr.text);
        goto done;
    }
    if (!(job = calloc(1, sizeof *job))) {
        rc = al_err_set(AL_ENOMEM, "job: out of memory");
        goto done;
    }
    if ((rc = parse_object("", root, job)) != 0 || (rc = s_check_isolation(job)) != 0 ||
        (rc = s_patch_b64(job)) != 0)
        goto done;
    job->patch_len = strlen(job->patch);
    *out = job;
    job = NULL;
done:
    jobspec_destroy(&job);
    json_decref(root);
    return rc;
}

/* ---- destroy --------------------------------------------------------------------- */

static void strv_free(jobspec_strv_t *sv)
{
    for (size_t i = 0; sv->items && i < sv->n; i++)
        free(sv->items[i]);
    free(sv->items);
}

static void labels_free(jobspec_labels_t *lv)
{
    for (size_t i = 0; lv->items && i < lv->n; i++) {
        free(lv->items[i].key);
        free(lv->items[i].value);
    }
    free(lv->items);
}

void jobspec_destroy(jobspec_t **p)
{
    if (!p || !*p)
        return;
    jobspec_t *j = *p;
    free(j->repo);
    free(j->base);
    free(j->ref);
    free(j->patch);
    free(j->patch_b64);
    for (size_t i = 0; j->run.items && i < j->run.n; i++)
        cmd_free(&j->run.items[i]);
    free(j->run.items);
    cmd_free(&j->test);
    strv_free(&j->policy.write_paths);
    strv_free(&j->policy.protected_paths);
    strv_free(&j->policy.egress);
    strv_free(&j->policy.analyzers);
    labels_free(&j->labels);
    labels_free(&j->worker_labels);
    free(j->idempotency_key);
    free(j->environment);
    free(j);
    *p = NULL;
}
