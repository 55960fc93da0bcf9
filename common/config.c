/*
 * config.c: defaults < file < environment < explicit set, validated once.
 * Owns a copy of every value and the name of the source it came from.
 */
#include "common/config.h"
#include "common/error.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VALUE_MAX 4096

typedef struct {
    char *value;      /* NULL = unset */
    char source[96];  /* "default", "file:path:line", "env:AIRLOCK_X", "set" */
    int64_t ival;
    int bval;
} entry_t;

struct al_config {
    const al_config_def_t *defs;
    size_t count;
    entry_t *entries;
};

static int s_index(const al_config_t *cfg, const char *key)
{
    for (size_t i = 0; i < cfg->count; i++) {
        if (strcmp(cfg->defs[i].key, key) == 0)
            return (int)i;
    }
    return -1;
}

static int s_store(al_config_t *cfg, int idx, const char *value, const char *source)
{
    if (value && strlen(value) > VALUE_MAX)
        return al_err_set(AL_ECONFIG, "%s (%s): value longer than %d bytes",
                          cfg->defs[idx].key, source, VALUE_MAX);
    char *copy = NULL;
    if (value) {
        copy = strdup(value);
        if (!copy)
            return al_err_set(AL_ENOMEM, "config: out of memory");
    }
    free(cfg->entries[idx].value);
    cfg->entries[idx].value = copy;
    snprintf(cfg->entries[idx].source, sizeof cfg->entries[idx].source, "%s", source);
    return AL_OK;
}

al_config_t *al_config_new(const al_config_def_t *defs, size_t count)
{
    al_config_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg || !(cfg->entries = calloc(count ? count : 1, sizeof *cfg->entries))) {
        free(cfg);
        al_err_set(AL_ENOMEM, "config: out of memory");
        return NULL;
    }
    cfg->defs = defs;
    cfg->count = count;
    for (size_t i = 0; i < count; i++) {
        if (defs[i].def && s_store(cfg, (int)i, defs[i].def, "default") != AL_OK) {
            al_config_destroy(&cfg);
            return NULL;
        }
    }
    return cfg;
}

void al_config_destroy(al_config_t **cfg)
{
    if (!cfg || !*cfg)
        return;
    for (size_t i = 0; i < (*cfg)->count; i++)
        free((*cfg)->entries[i].value);
    free((*cfg)->entries);
    free(*cfg);
    *cfg = NULL;
}

int al_config_set(al_config_t *cfg, const char *key, const char *value)
{
    int idx = s_index(cfg, key);
    if (idx < 0)
        return al_err_set(AL_ECONFIG, "unknown setting '%s'", key);
    return s_store(cfg, idx, value, "set");
}

static char *s_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int s_parse_line(al_config_t *cfg, char *line, const char *path, int lineno)
{
    char *text = s_trim(line);
    if (*text == '\0' || *text == '#')
        return AL_OK;
    char *eq = strchr(text, '=');
    if (!eq)
        return al_err_set(AL_ECONFIG, "%s:%d: expected 'key = value'", path, lineno);
    *eq = '\0';
    char *key = s_trim(text);
    char *value = s_trim(eq + 1);
    size_t vlen = strlen(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = '\0';
        value++;
    }
    int idx = s_index(cfg, key);
    if (idx < 0)
        return al_err_set(AL_ECONFIG, "%s:%d: unknown setting '%s'", path, lineno, key);
    char source[96];
    snprintf(source, sizeof source, "file:%.70s:%d", path, lineno);
    return s_store(cfg, idx, value, source);
}

int al_config_load_file(al_config_t *cfg, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return al_err_set_errno(AL_EIO, "config file %s", path);
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = AL_OK;
    while (rc == AL_OK && getline(&line, &cap, f) >= 0) {
        lineno++;
        rc = s_parse_line(cfg, line, path, lineno);
    }
    free(line);
    fclose(f);
    return rc;
}

static void s_env_name(const char *key, char *out, size_t size)
{
    size_t o = (size_t)snprintf(out, size, "AIRLOCK_");
    for (const char *p = key; *p && o + 1 < size; p++)
        out[o++] = (*p == '.' || *p == '-') ? '_' : (char)toupper((unsigned char)*p);
    out[o] = '\0';
}

int al_config_load_env(al_config_t *cfg)
{
    for (size_t i = 0; i < cfg->count; i++) {
        char name[128];
        s_env_name(cfg->defs[i].key, name, sizeof name);
        const char *value = getenv(name);
        if (!value)
            continue;
        char source[96];
        snprintf(source, sizeof source, "env:%.80s", name);
        int rc = s_store(cfg, (int)i, value, source);
        if (rc != AL_OK)
            return rc;
    }
    return AL_OK;
}

static int s_parse_bool(const char *v, int *out)
{
    static const char *const yes[] = { "1", "true", "yes", "on" };
    static const char *const no[] = { "0", "false", "no", "off" };
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) { *out = 1; return 0; }
        if (strcasecmp(v, no[i]) == 0) { *out = 0; return 0; }
    }
    return -1;
}

static int s_validate_one(const al_config_def_t *d, entry_t *e)
{
    if (!e->value || !*e->value) {
        if (d->flags & AL_CFG_REQUIRED)
            return al_err_set(AL_ECONFIG, "%s: required setting is not set", d->key);
        return AL_OK;
    }
    if (d->type == AL_CFG_INT) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(e->value, &end, 10);
        if (errno || end == e->value || *end != '\0')
            return al_err_set(AL_ECONFIG, "%s (%s): '%s' is not an integer", d->key, e->source, e->value);
        if (v < d->min || v > d->max)
            return al_err_set(AL_ECONFIG, "%s (%s): %lld is outside [%lld, %lld]", d->key, e->source,
                              v, (long long)d->min, (long long)d->max);
        e->ival = v;
    } else if (d->type == AL_CFG_BOOL) {
        if (s_parse_bool(e->value, &e->bval) != 0)
            return al_err_set(AL_ECONFIG, "%s (%s): '%s' is not a boolean (true/false)", d->key,
                              e->source, e->value);
    }
    return AL_OK;
}

int al_config_validate(al_config_t *cfg)
{
    for (size_t i = 0; i < cfg->count; i++) {
        int rc = s_validate_one(&cfg->defs[i], &cfg->entries[i]);
        if (rc != AL_OK)
            return rc;
    }
    return AL_OK;
}

const char *al_config_str(const al_config_t *cfg, const char *key)
{
    int idx = s_index(cfg, key);
    return idx < 0 ? NULL : cfg->entries[idx].value;
}

int64_t al_config_int(const al_config_t *cfg, const char *key)
{
    int idx = s_index(cfg, key);
    return idx < 0 ? 0 : cfg->entries[idx].ival;
}

int al_config_bool(const al_config_t *cfg, const char *key)
{
    int idx = s_index(cfg, key);
    return idx < 0 ? 0 : cfg->entries[idx].bval;
}

void al_config_print(const al_config_t *cfg, FILE *out)
{
    for (size_t i = 0; i < cfg->count; i++) {
        const al_config_def_t *d = &cfg->defs[i];
        const entry_t *e = &cfg->entries[i];
        const char *shown = !e->value ? "(unset)" : (d->flags & AL_CFG_SECRET) ? "<redacted>" : e->value;
        fprintf(out, "%s = %s  # %s\n", d->key, shown, e->value ? e->source : "unset");
    }
}

void al_config_print_help(const al_config_def_t *defs, size_t count, FILE *out)
{
    static const char *const types[] = { "string", "integer", "boolean" };
    for (size_t i = 0; i < count; i++) {
        char env[128];
        s_env_name(defs[i].key, env, sizeof env);
        fprintf(out, "  %-24s %-8s default %-18s %s (env %s)\n", defs[i].key, types[defs[i].type],
                defs[i].def ? defs[i].def : "-", defs[i].help ? defs[i].help : "", env);
    }
}
