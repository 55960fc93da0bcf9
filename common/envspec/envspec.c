/*
 * envspec.c: parse, validate, default, canonicalize and digest an environment
 * spec (see envspec.h). Every rule here is also stated by
 * schemas/environment.schema.json; test_envspec_schema runs the corpus in
 * tests/corpus/environments through both. JSON parsing is jansson's
 * (duplicate keys and NUL characters refused). Owns the envspec it builds
 * until it hands it to the caller.
 */
#include "common/envspec/envspec.h"
#include "common/digest.h"
#include "common/error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_build_only[] = { "suite", "mirror", "snapshot", "components", "variant",
                                            "packages", "setup", NULL };
static const char *const k_known[] = { "name", "suite", "mirror", "snapshot", "components", "variant",
                                       "packages", "setup", "env", "user", "import", NULL };
static const char *const k_variants[] = { "minbase", "required", "important", "standard", NULL };

/* ---- character rules ------------------------------------------------------ */

static int s_span(const char *s, const char *first, const char *rest, size_t lo, size_t hi)
{
    size_t n = strlen(s);
    if (n < lo || n > hi || (first && !strchr(first, s[0])))
        return 0;
    return strspn(s, rest) == n;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define DIGIT "0123456789"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

int envspec_name_valid(const char *s)
{
    return s && s_span(s, LOWER DIGIT, LOWER DIGIT "._-", 1, 64);
}

int envspec_is_digest(const char *s)
{
    return s && strncmp(s, "sha256:", 7) == 0 && al_sha256_hex_valid(s + 7);
}

static int s_snapshot_ok(const char *s)
{
    /* YYYYMMDDTHHMMSSZ */
    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return 0;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !strchr(DIGIT, s[i]))
            return 0;
    return 1;
}

static int s_mirror_ok(const char *s)
{
    size_t n = strlen(s);
    const char *host = !strncmp(s, "http://", 7) ? s + 7 : !strncmp(s, "https://", 8) ? s + 8 : NULL;
    if (!host || n < 8 || n > 512)
        return 0;
    size_t h = strspn(host, LOWER UPPER DIGIT ".-");
    if (h == 0)
        return 0;
    const char *p = host + h;
    if (*p == ':') {
        size_t d = strspn(p + 1, DIGIT);
        if (d < 1 || d > 5)
            return 0;
        p += 1 + d;
    }
    return *p == '\0' || (*p == '/' && strspn(p, LOWER UPPER DIGIT "._~%/+-") == strlen(p));
}

/* name[=version] as Debian writes them */
static int s_package_ok(const char *s)
{
    const char *eq = strchr(s, '=');
    size_t n = eq ? (size_t)(eq - s) : strlen(s);
    if (n < 2 || n > 128 || !strchr(LOWER DIGIT, s[0]) || strspn(s, LOWER DIGIT "+.-") != n)
        return 0;
    return !eq || (eq[1] && strspn(eq + 1, LOWER UPPER DIGIT ".+~:-") == strlen(eq + 1) && strlen(s) <= 128);
}

static int s_var_name_ok(const char *s)
{
    return s_span(s, LOWER UPPER "_", LOWER UPPER DIGIT "_", 1, 64);
}

static int s_text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

/* ---- reading fields -------------------------------------------------------- */

static int s_fail(const char *field, const char *rule)
{
    return al_err_set(AL_EINVAL, "%s: %s", field, rule);
}

static int s_str(json_t *o, const char *key, size_t lo, size_t hi, int (*ok)(const char *), const char *rule,
                 char **out)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return s_fail(key, "must be a string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n < lo || n > hi || strlen(s) != n || (ok && !ok(s)))
        return s_fail(key, rule);
    if (!(*out = strdup(s)))
        return al_err_set(AL_ENOMEM, "out of memory");
    return 0;
}

static int s_strv(json_t *o, const char *key, size_t lo, size_t max_items, size_t item_max,
                  int (*ok)(const char *), const char *rule, int unique, envspec_strv_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return 0;
    if (!json_is_array(v))
        return s_fail(key, "must be an array of strings");
    size_t n = json_array_size(v);
    if (n < lo || n > max_items) {
        char r[96];
        snprintf(r, sizeof r, "must have between %zu and %zu items", lo, max_items);
        return s_fail(key, r);
    }
    if (n && !(out->items = calloc(n, sizeof *out->items)))
        return al_err_set(AL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(v, i);
        const char *s = json_is_string(it) ? json_string_value(it) : NULL;
        if (!s || json_string_length(it) == 0 || json_string_length(it) > item_max || strlen(s) != json_string_length(it) ||
            (ok && !ok(s)))
            return al_err_set(AL_EINVAL, "%s[%zu]: %s", key, i, rule);
        for (size_t j = 0; unique && j < out->n; j++)
            if (!strcmp(out->items[j], s))
                return al_err_set(AL_EINVAL, "%s[%zu]: duplicate of item %zu", key, i, j);
        if (!(out->items[out->n++] = strdup(s)))
            return al_err_set(AL_ENOMEM, "out of memory");
    }
    return 0;
}

static int s_var_cmp(const void *a, const void *b)
{
    return strcmp(((const envspec_var_t *)a)->key, ((const envspec_var_t *)b)->key);
}

static int s_env(json_t *o, envspec_t *s)
{
    json_t *v = json_object_get(o, "env");
    if (!v)
        return 0;
    if (!json_is_object(v))
        return s_fail("env", "must be an object of strings");
    if (json_object_size(v) > 64)
        return s_fail("env", "at most 64 variables");
    if (json_object_size(v) && !(s->env = calloc(json_object_size(v), sizeof *s->env)))
        return al_err_set(AL_ENOMEM, "out of memory");
    const char *k;
    json_t *val;
    json_object_foreach(v, k, val) {
        if (!s_var_name_ok(k))
            return al_err_set(AL_EINVAL, "env.%.64s: a variable name must match [A-Za-z_][A-Za-z0-9_]{0,63}", k);
        if (!json_is_string(val) || json_string_length(val) > 4096 ||
            strlen(json_string_value(val)) != json_string_length(val))
            return al_err_set(AL_EINVAL, "env.%s: must be a string of at most 4096 bytes without NUL", k);
        envspec_var_t *e = &s->env[s->n_env++];
        if (!(e->key = strdup(k)) || !(e->value = strdup(json_string_value(val))))
            return al_err_set(AL_ENOMEM, "out of memory");
    }
    if (s->n_env)
        qsort(s->env, s->n_env, sizeof *s->env, s_var_cmp);
    return 0;
}

static int s_import(json_t *o, envspec_t *s)
{
    json_t *v = json_object_get(o, "import");
    if (!v)
        return 0;
    if (!json_is_object(v) || json_object_size(v) != 1 || !json_object_get(v, "source"))
        return s_fail("import", "must be an object with exactly one member, source");
    for (size_t i = 0; k_build_only[i]; i++)
        if (json_object_get(o, k_build_only[i]))
            return al_err_set(AL_EINVAL, "%s: not allowed in an imported environment", k_build_only[i]);
    s->imported = 1;
    int rc = s_str(v, "source", 1, 512, s_text_ok, "must be 1..512 printable characters", &s->import_source);
    return rc < 0 ? al_err_wrap(rc, "import") : 0;
}

static int s_defaults(envspec_t *s)
{
    static const char *const main_only[] = { "main" };
    if (!s->user && !(s->user = strdup("sandbox")))
        return al_err_set(AL_ENOMEM, "out of memory");
    if (s->imported)
        return 0;
    if ((!s->suite && !(s->suite = strdup("bookworm"))) || (!s->variant && !(s->variant = strdup("minbase"))))
        return al_err_set(AL_ENOMEM, "out of memory");
    if (!s->components.n) {
        if (!(s->components.items = calloc(1, sizeof(char *))) || !(s->components.items[0] = strdup(main_only[0])))
            return al_err_set(AL_ENOMEM, "out of memory");
        s->components.n = 1;
    }
    return 0;
}

static int s_variant_ok(const char *v)
{
    for (size_t i = 0; k_variants[i]; i++)
        if (!strcmp(v, k_variants[i]))
            return 1;
    return 0;
}

static int s_read(json_t *o, envspec_t *s, int name_required)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        size_t i = 0;
        while (k_known[i] && strcmp(k_known[i], k))
            i++;
        if (!k_known[i])
            return al_err_set(AL_EINVAL, "unknown field '%.64s'", k);
    }
    if (name_required && !json_object_get(o, "name"))
        return s_fail("name", "required");
    int rc;
    if ((rc = s_str(o, "name", 1, 64, envspec_name_valid, "must match [a-z0-9][a-z0-9._-]{0,63}", &s->name)) ||
        (rc = s_import(o, s)) ||
        (rc = s_str(o, "suite", 1, 32, NULL, "must match [a-z][a-z0-9-]{0,31}", &s->suite)) ||
        (rc = s_str(o, "mirror", 8, 512, s_mirror_ok, "must be an http(s) URL of a Debian archive", &s->mirror)) ||
        (rc = s_str(o, "snapshot", 16, 16, s_snapshot_ok, "must be a snapshot.debian.org time YYYYMMDDTHHMMSSZ",
                    &s->snapshot)) ||
        (rc = s_strv(o, "components", 1, 8, 32, NULL, "must match [a-z][a-z0-9-]{0,31}", 1, &s->components)) ||
        (rc = s_str(o, "variant", 1, 16, s_variant_ok, "must be minbase, required, important or standard",
                    &s->variant)) ||
        (rc = s_strv(o, "packages", 0, 512, 128, s_package_ok, "must be a Debian package name[=version]", 1,
                     &s->packages)) ||
        (rc = s_strv(o, "setup", 0, 64, 16384, NULL, "must be a non-empty string of at most 16384 bytes", 0,
                     &s->setup)) ||
        (rc = s_env(o, s)) ||
        (rc = s_str(o, "user", 1, 32, NULL, "must match [a-z_][a-z0-9_-]{0,31}", &s->user)))
        return rc;
    if (s->suite && !s_span(s->suite, LOWER, LOWER DIGIT "-", 1, 32))
        return s_fail("suite", "must match [a-z][a-z0-9-]{0,31}");
    for (size_t i = 0; i < s->components.n; i++)
        if (!s_span(s->components.items[i], LOWER, LOWER DIGIT "-", 1, 32))
            return al_err_set(AL_EINVAL, "components[%zu]: must match [a-z][a-z0-9-]{0,31}", i);
    if (s->user && !s_span(s->user, LOWER "_", LOWER DIGIT "_-", 1, 32))
        return s_fail("user", "must match [a-z_][a-z0-9_-]{0,31}");
    if (s->mirror && s->snapshot)
        return s_fail("snapshot", "give mirror or snapshot, not both");
    return s_defaults(s);
}

static int s_parse(const char *json, size_t len, int name_required, envspec_t **out)
{
    *out = NULL;
    if (len > ENVSPEC_MAX_JSON)
        return al_err_set(AL_ELIMIT, "environment spec larger than %u bytes", ENVSPEC_MAX_JSON);
    json_error_t jerr;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o)
        return al_err_set(AL_EINVAL, "not valid JSON: %s (line %d)", jerr.text, jerr.line);
    envspec_t *s = calloc(1, sizeof *s);
    int rc = !s ? al_err_set(AL_ENOMEM, "out of memory")
                : !json_is_object(o) ? al_err_set(AL_EINVAL, "an environment spec must be a JSON object")
                                     : s_read(o, s, name_required);
    json_decref(o);
    if (rc < 0) {
        envspec_destroy(&s);
        return rc;
    }
    *out = s;
    return 0;
}

int envspec_parse(const char *json, size_t len, envspec_t **out)
{
    return s_parse(json, len, 1, out);
}

int envspec_parse_nameless(const char *json, size_t len, envspec_t **out)
{
    return s_parse(json, len, 0, out);
}

static void s_strv_free(envspec_strv_t *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->items[i]);
    free(v->items);
}

void envspec_destroy(envspec_t **p)
{
    envspec_t *s = p ? *p : NULL;
    if (!s)
        return;
    free(s->name);
    free(s->import_source);
    free(s->suite);
    free(s->mirror);
    free(s->snapshot);
    free(s->variant);
    s_strv_free(&s->components);
    s_strv_free(&s->packages);
    s_strv_free(&s->setup);
    for (size_t i = 0; i < s->n_env; i++) {
        free(s->env[i].key);
        free(s->env[i].value);
    }
    free(s->env);
    free(s->user);
    free(s);
    *p = NULL;
}

/* ---- canonical form and digest --------------------------------------------- */

static json_t *s_array(const envspec_strv_t *v)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < v->n; i++)
        json_array_append_new(a, json_string(v->items[i]));
    return a;
}

char *envspec_canonical(const envspec_t *s, int with_name)
{
    json_t *o = json_object(), *env = json_object();
    if (!o || !env) {
        json_decref(o);
        json_decref(env);
        return NULL;
    }
    if (with_name && s->name)
        json_object_set_new(o, "name", json_string(s->name));
    for (size_t i = 0; i < s->n_env; i++)
        json_object_set_new(env, s->env[i].key, json_string(s->env[i].value));
    json_object_set_new(o, "env", env);
    json_object_set_new(o, "user", json_string(s->user));
    if (s->imported) {
        json_object_set_new(o, "import", json_pack("{s:s}", "source", s->import_source));
    } else {
        json_object_set_new(o, "suite", json_string(s->suite));
        if (s->snapshot) /* the snapshot names the archive; else the mirror, default spelled out */
            json_object_set_new(o, "snapshot", json_string(s->snapshot));
        else
            json_object_set_new(o, "mirror", json_string(envspec_mirror_url(s)));
        json_object_set_new(o, "components", s_array(&s->components));
        json_object_set_new(o, "variant", json_string(s->variant));
        json_object_set_new(o, "packages", s_array(&s->packages));
        json_object_set_new(o, "setup", s_array(&s->setup));
    }
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!text)
        al_err_set(AL_ENOMEM, "out of memory");
    return text;
}

const char *envspec_mirror_url(const envspec_t *s)
{
    static _Thread_local char url[96];
    if (s->mirror)
        return s->mirror;
    if (s->snapshot) {
        snprintf(url, sizeof url, "%s%s", ENVSPEC_SNAPSHOT_MIRROR, s->snapshot);
        return url;
    }
    return ENVSPEC_DEFAULT_MIRROR;
}

int envspec_digest(const envspec_t *s, const char *tree_sha256_hex, char out[ENVSPEC_DIGEST_LEN + 1])
{
    if (!al_sha256_hex_valid(tree_sha256_hex))
        return al_err_set(AL_EINVAL, "tree digest must be 64 lower-case hex digits");
    char *canon = envspec_canonical(s, 0);
    if (!canon)
        return AL_ENOMEM;
    al_sha256_t *h = al_sha256_new();
    char hex[AL_SHA256_HEX_LEN + 1];
    int rc = h ? 0 : AL_ECRYPTO;
    if (rc == 0)
        rc = al_sha256_update(h, "airlock-env-v1\n", 15);
    if (rc == 0)
        rc = al_sha256_update(h, canon, strlen(canon));
    if (rc == 0)
        rc = al_sha256_update(h, "\n", 1);
    if (rc == 0)
        rc = al_sha256_update(h, tree_sha256_hex, AL_SHA256_HEX_LEN);
    if (rc == 0)
        rc = al_sha256_final_hex(h, hex);
    if (rc == 0)
        snprintf(out, ENVSPEC_DIGEST_LEN + 1, "sha256:%s", hex);
    al_sha256_destroy(&h);
    free(canon);
    return rc;
}
