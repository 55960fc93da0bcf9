/*
 * api_fixture.c: a cluster whose airlockd serves the HTTP API, with client
 * identities, tenants and tokens (see api_fixture.h).
 */
#include "api_fixture.h"
#include "git_server.h"
#include "pg_harness.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/digest.h"

#include <czmq.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const struct {
    const char *token, *identity, *scopes;
} s_tokens[] = {
    { "bot", "bot", "submit,read,cancel" },
    { "reader", "reader", "read" },
    { "other", "other", "submit,read,cancel" },
    { "metrics", "bot", "metrics" },
    { "revoked", "ghost", "submit,read,cancel" },
    { "auditor", "auditor", "read,cancel" },
};
#define NTOKENS (sizeof s_tokens / sizeof s_tokens[0])

/* The secret of test token `name`: long enough, deterministic. */
static void s_secret(const char *name, char out[80])
{
    snprintf(out, 80, "alk_test_%s_0123456789abcdefghijklmnop", name);
}

static int s_write_tokens(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return AL_EIO;
    fprintf(f, "# test tokens\n");
    for (size_t i = 0; i < NTOKENS; i++) {
        char secret[80], hex[65];
        s_secret(s_tokens[i].token, secret);
        al_sha256_hex(secret, strlen(secret), hex);
        fprintf(f, "%s %s %s %s\n", s_tokens[i].token, hex, s_tokens[i].identity, s_tokens[i].scopes);
    }
    fclose(f);
    return AL_OK;
}

/* A client certificate with a tenant (and access, NULL = none), its public
 * half in airlockd's certs_dir. */
static int s_identity(api_fx_t *fx, const char *name, const char *tenant, const char *access)
{
    int rc = curve_keygen(fx->dir, name, CURVE_ROLE_CLIENT);
    char path[600];
    snprintf(path, sizeof path, "%s/%s.key_secret", fx->dir, name);
    zcert_t *cert = NULL;
    if (rc == AL_OK)
        rc = curve_cert_load(path, &cert);
    if (rc != AL_OK)
        return rc;
    zcert_set_meta(cert, "tenant", "%s", tenant);
    if (access)
        zcert_set_meta(cert, "access", "%s", access);
    snprintf(path, sizeof path, "%s/allowed/%s.key", cluster_dir(fx->c), name);
    rc = zcert_save_public(cert, path) == 0 ? AL_OK : AL_EIO;
    zcert_destroy(&cert);
    return rc;
}

static int s_config(api_fx_t *fx)
{
    snprintf(fx->config, sizeof fx->config, "%s/api.json", fx->dir);
    FILE *f = fopen(fx->config, "w");
    if (!f)
        return AL_EIO;
    fprintf(f, "{\"base\": \"http://127.0.0.1:%d\", \"repo\": \"%s\", \"dir\": \"%s\", "
               "\"source\": \"" AIRLOCK_SOURCE_DIR "\", "
               "\"schema\": \"%s/tests/sarif/sarif-schema-2.1.0.json\", \"db\": \"%s\", \"tokens\": {",
            fx->port, cluster_repo(fx->c), fx->dir, AIRLOCK_SOURCE_DIR, pg_harness_conninfo(cluster_pg(fx->c)));
    for (size_t i = 0; i < NTOKENS; i++) {
        char secret[80];
        s_secret(s_tokens[i].token, secret);
        fprintf(f, "%s\"%s\": \"%s\"", i ? ", " : "", s_tokens[i].token, secret);
    }
    fprintf(f, "}}\n");
    fclose(f);
    return AL_OK;
}

int api_fx_start(api_fx_t **out, const char *const *extra_env)
{
    api_fx_t *fx = calloc(1, sizeof *fx);
    *out = NULL;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/airlock-api-XXXXXX");
    if (!mkdtemp(fx->dir))
        return AL_EIO;
    char tokens[400], endpoint[64];
    snprintf(tokens, sizeof tokens, "%s/api_tokens", fx->dir);
    int rc = s_write_tokens(tokens);
    fx->port = git_server_unused_port();
    snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", fx->port);
    setenv("AIRLOCK_API_ENDPOINT", endpoint, 1);    /* airlockd reads AIRLOCK_<KEY> */
    setenv("AIRLOCK_API_TOKENS", tokens, 1);
    for (const char *const *e = extra_env; e && *e; e++) {
        char *kv = strdup(*e), *eq = strchr(kv, '=');
        *eq = '\0';
        setenv(kv, eq + 1, 1);
        free(kv);
    }
    cluster_opts_t co = { .workers = 1, .slots = 2, .heartbeat_ms = 200, .lease_ms = 5000 };
    if (rc == AL_OK)
        rc = cluster_start(&fx->c, &co);
    if (rc == AL_OK)
        rc = s_identity(fx, "bot", "acme", NULL);
    if (rc == AL_OK)
        rc = s_identity(fx, "reader", "acme", NULL);
    if (rc == AL_OK)
        rc = s_identity(fx, "other", "beta", NULL);
    if (rc == AL_OK)
        rc = s_identity(fx, "auditor", "ops", "reader");
    if (rc == AL_OK)
        rc = s_config(fx);
    if (rc != AL_OK) {
        fprintf(stderr, "api fixture: %s\n", al_err_msg());
        api_fx_stop(&fx);
        return rc;
    }
    *out = fx;
    return AL_OK;
}

void api_fx_stop(api_fx_t **p)
{
    api_fx_t *fx = p ? *p : NULL;
    if (!fx)
        return;
    cluster_stop(&fx->c);
    if (!getenv("AIRLOCK_KEEP_CLUSTER")) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "api fixture: could not remove %s\n", fx->dir);
    }
    free(fx);
    *p = NULL;
}

int api_fx_py(api_fx_t *fx, const char *script, const char *const *args)
{
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd, AIRLOCK_PYTHON " %s/tests/integration/api/%s %s", AIRLOCK_SOURCE_DIR, script,
                     fx->config);
    for (const char *const *a = args; a && *a && n < (int)sizeof cmd - 8; a++)
        n += snprintf(cmd + n, sizeof cmd - (size_t)n, " '%s'", *a);
    int status = system(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int api_fx_config_set(api_fx_t *fx, const char *key, const char *json_value)
{
    json_t *cfg = json_load_file(fx->config, 0, NULL), *v = json_loads(json_value, JSON_DECODE_ANY, NULL);
    int rc = cfg && v && json_object_set_new(cfg, key, v) == 0 && json_dump_file(cfg, fx->config, 0) == 0
                 ? AL_OK : AL_EINVAL;
    json_decref(cfg);
    return rc;
}
