/*
 * api_auth.c: who is calling. A bearer token maps to a client identity: the
 * name of a client certificate in airlockd's certs_dir, so a token acts as
 * the same identity (and tenant) as that CurveZMQ key: jobs it submits carry
 * the key in jobs.submitted_by, and removing the certificate file revokes the
 * token with it. The tokens file (api_tokens) holds only SHA-256 hashes:
 *
 *   # name     sha256(token), hex                                         identity  scopes
 *   pr-bot     9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  bot   submit,read,cancel
 *
 * Scopes: submit, read, cancel, metrics, admin (every scope, every tenant).
 * A tenant is the certificate's metadata `tenant` (airlock keygen --tenant),
 * else its public key: a token sees the jobs of its tenant only, unless the
 * certificate's metadata `access` says reader (every tenant's jobs, cancels
 * its own) or admin (orchestrator/tenancy/tenancy.h). The file is re-read when it
 * changes, so tokens are added and revoked without a restart.
 *
 * Owns: the token table and the certificate store (czmq zcertstore, which
 * re-reads certs_dir when it changes).
 */
#include "orchestrator/api/api.h"
#include "common/curve.h"
#include "common/error.h"
#include "common/log.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    char name[64];
    unsigned char hash[32];
    char identity[64];
    unsigned scopes;
} token_t;

struct api_auth {
    char *file;
    char *certs_dir;
    struct timespec mtime;
    off_t size;
    token_t *tokens;
    size_t n;
    zcertstore_t *certs;
};

static int s_hex32(const char *hex, unsigned char out[32])
{
    if (strlen(hex) != 64)
        return AL_EINVAL;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
            sscanf(hex + 2 * i, "%2x", &v) != 1)
            return AL_EINVAL;
        out[i] = (unsigned char)v;
    }
    return AL_OK;
}

static int s_scopes(char *list, unsigned *out)
{
    static const char *const names[] = { "submit", "read", "cancel", "metrics", "admin" };
    *out = 0;
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (unsigned i = 0; i < 5; i++)
            if (strcmp(t, names[i]) == 0) {
                *out |= 1u << i;
                found = 1;
            }
        if (!found)
            return AL_EINVAL;
    }
    return *out ? AL_OK : AL_EINVAL;
}

static int s_parse_line(char *line, token_t *t)
{
    char name[64], hash[80], identity[64], scopes[128], extra[2];
    int n = sscanf(line, "%63s %79s %63s %127s %1s", name, hash, identity, scopes, extra);
    if (n != 4 || s_hex32(hash, t->hash) != AL_OK || s_scopes(scopes, &t->scopes) != AL_OK)
        return AL_EINVAL;
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->identity, sizeof t->identity, "%s", identity);
    for (const char *c = identity; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
            return AL_EINVAL;
    return AL_OK;
}

/* (Re)reads the tokens file when it changed since the last read. */
static int s_load(api_auth_t *a)
{
    struct stat st;
    if (stat(a->file, &st) != 0)
        return al_err_set_errno(AL_ECONFIG, "api_tokens %s", a->file);
    if (a->tokens && st.st_mtim.tv_sec == a->mtime.tv_sec && st.st_mtim.tv_nsec == a->mtime.tv_nsec &&
        st.st_size == a->size)
        return AL_OK;
    FILE *f = fopen(a->file, "re");
    if (!f)
        return al_err_set_errno(AL_ECONFIG, "api_tokens %s", a->file);
    token_t *list = NULL;
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    int rc = AL_OK, lineno = 0;
    while (rc == AL_OK && getline(&line, &cap, f) >= 0) {
        lineno++;
        char *s = line + strspn(line, " \t");
        if (*s == '#' || *s == '\n' || *s == '\0')
            continue;
        token_t *grown = realloc(list, (n + 1) * sizeof *grown);
        if (!grown) {
            rc = al_err_set(AL_ENOMEM, "out of memory");
            break;
        }
        list = grown;
        if (s_parse_line(s, &list[n]) != AL_OK)
            rc = al_err_set(AL_ECONFIG, "api_tokens %s:%d: expected `NAME SHA256-HEX IDENTITY "
                            "SCOPE[,SCOPE...]` (scopes: submit, read, cancel, metrics, admin)", a->file, lineno);
        n++;
    }
    free(line);
    fclose(f);
    if (rc != AL_OK) {
        free(list);
        return rc;
    }
    free(a->tokens);
    a->tokens = list;
    a->n = n;
    a->mtime = st.st_mtim;
    a->size = st.st_size;
    al_info("api.tokens_loaded", "file=%s tokens=%zu", a->file, n);
    return AL_OK;
}

int api_auth_new(api_auth_t **out, const char *tokens_file, const char *certs_dir)
{
    *out = NULL;
    if (!tokens_file || !*tokens_file)
        return al_err_set(AL_ECONFIG, "api_endpoint is set but api_tokens is not");
    api_auth_t *a = calloc(1, sizeof *a);
    if (!a || !(a->file = strdup(tokens_file)) || !(a->certs_dir = strdup(certs_dir)) ||
        !(a->certs = zcertstore_new(certs_dir))) {
        api_auth_destroy(&a);
        return al_err_set(AL_ENOMEM, "out of memory");
    }
    int rc = s_load(a);
    if (rc != AL_OK) {
        api_auth_destroy(&a);
        return rc;
    }
    *out = a;
    return AL_OK;
}

void api_auth_destroy(api_auth_t **p)
{
    api_auth_t *a = p ? *p : NULL;
    if (!a)
        return;
    if (a->tokens)
        OPENSSL_cleanse(a->tokens, a->n * sizeof *a->tokens);
    free(a->tokens);
    zcertstore_destroy(&a->certs);
    free(a->file);
    free(a->certs_dir);
    free(a);
    *p = NULL;
}

int api_auth_identity(api_auth_t *a, const char *identity, api_principal_t *who)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.key", a->certs_dir, identity);
    zcert_t *cert = zcert_load(path);
    if (!cert)
        return al_err_set(AL_EPOLICY, "identity '%s' has no certificate in certs_dir (revoked?)", identity);
    const char *role = zcert_meta(cert, "role");
    int rc = role && strcmp(role, CURVE_ROLE_CLIENT) == 0
                 ? AL_OK : al_err_set(AL_EPOLICY, "identity '%s' is not a client certificate", identity);
    tenant_who_t t;
    if (rc == AL_OK)
        rc = tenant_who_set(&t, zcert_public_txt(cert), zcert_meta(cert, "tenant"), zcert_meta(cert, "access"));
    if (rc == AL_OK) {
        snprintf(who->identity, sizeof who->identity, "%s", identity);
        snprintf(who->key, sizeof who->key, "%s", t.key);
        snprintf(who->tenant, sizeof who->tenant, "%s", t.tenant);
        snprintf(who->access, sizeof who->access, "%s", zcert_meta(cert, "access") ? zcert_meta(cert, "access") : "");
    }
    zcert_destroy(&cert);
    return rc;
}

int api_auth_check(api_auth_t *a, const char *header, api_principal_t *who)
{
    memset(who, 0, sizeof *who);
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return al_err_set(AL_ENOTFOUND, "missing bearer token (Authorization: Bearer ...)");
    const char *token = header + 7;
    while (*token == ' ')
        token++;
    size_t len = strlen(token);
    if (len < 16 || len > 512)
        return al_err_set(AL_ENOTFOUND, "invalid token");
    if (s_load(a) != AL_OK)
        al_warn("api.tokens_reload_failed", "error=%s", al_err_msg());   /* keep the last good table */
    unsigned char hash[32];
    if (!EVP_Digest(token, len, hash, NULL, EVP_sha256(), NULL))
        return al_err_set(AL_ECRYPTO, "sha256");
    const token_t *found = NULL;
    for (size_t i = 0; i < a->n; i++)   /* every entry compared, each in constant time */
        if (CRYPTO_memcmp(hash, a->tokens[i].hash, 32) == 0)
            found = &a->tokens[i];
    if (!found)
        return al_err_set(AL_ENOTFOUND, "invalid token");
    snprintf(who->name, sizeof who->name, "%s", found->name);
    who->scopes = found->scopes;
    int rc = api_auth_identity(a, found->identity, who);
    if (rc != AL_OK)
        al_warn("api.token_refused", "token=%s error=%s", found->name, al_err_msg());
    return rc;
}

void api_auth_tenancy(const api_principal_t *who, tenant_who_t *out)
{
    if (tenant_who_set(out, who->key, who->tenant, who->access) != AL_OK)
        out->access = TENANT_ACCESS_OWN;   /* checked when the identity was resolved */
    if (who->scopes & API_SCOPE_ADMIN)
        out->access = TENANT_ACCESS_ADMIN;
}
