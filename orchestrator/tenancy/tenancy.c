/*
 * tenancy.c: tenants, access and repository roots (tenancy.h). Owns the
 * parsed tenant_repos table (re-read when the file changes).
 */
#include "orchestrator/tenancy/tenancy.h"

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ROOT_MAX 4096

typedef struct {
    char *tenant;                /* "*" = every tenant */
    char *root;                  /* an absolute path without trailing '/', or a URL prefix */
    int is_url;
} root_t;

struct tenant_repos {
    char *path;
    struct timespec mtime;
    off_t size;
    root_t *roots;
    size_t n;
    int loaded;
};

int tenant_who_set(tenant_who_t *w, const char *key, const char *tenant_meta, const char *access_meta)
{
    memset(w, 0, sizeof *w);
    if (tenant_meta && strlen(tenant_meta) >= sizeof w->tenant)
        return al_err_set(AL_EPOLICY, "certificate tenant is longer than %zu bytes", sizeof w->tenant - 1);
    snprintf(w->key, sizeof w->key, "%s", key ? key : "");
    snprintf(w->tenant, sizeof w->tenant, "%s", tenant_meta && *tenant_meta ? tenant_meta : w->key);
    if (!access_meta || !*access_meta)
        return AL_OK;
    if (strcmp(access_meta, "reader") == 0)
        w->access = TENANT_ACCESS_READER;
    else if (strcmp(access_meta, "admin") == 0)
        w->access = TENANT_ACCESS_ADMIN;
    else
        return al_err_set(AL_EPOLICY, "certificate access '%.32s' is neither reader nor admin", access_meta);
    return AL_OK;
}

int tenant_may_see(const tenant_who_t *w, const char *job_tenant)
{
    if (w->access != TENANT_ACCESS_OWN)
        return 1;
    return job_tenant && *job_tenant && strcmp(job_tenant, w->tenant) == 0;
}

int tenant_may_cancel(const tenant_who_t *w, const char *job_tenant)
{
    if (w->access == TENANT_ACCESS_ADMIN)
        return 1;
    return job_tenant && *job_tenant && strcmp(job_tenant, w->tenant) == 0;
}

const char *tenant_list_filter(const tenant_who_t *w) { return w->access == TENANT_ACCESS_OWN ? w->tenant : NULL; }

static void s_free_roots(tenant_repos_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->roots[i].tenant);
        free(r->roots[i].root);
    }
    free(r->roots);
    r->roots = NULL;
    r->n = 0;
}

/* "file:///x" -> "/x"; NULL when it is not a path. */
static const char *s_path_of(const char *s)
{
    if (strncmp(s, "file://", 7) == 0)
        s += 7;
    return s[0] == '/' ? s : NULL;
}

/* Canonical: absolute, no empty, "." or ".." component, no trailing '/'. */
static int s_canonical(const char *p)
{
    if (p[0] != '/' || strstr(p, "//") || (strlen(p) > 1 && p[strlen(p) - 1] == '/'))
        return 0;
    for (const char *c = p; c; c = strchr(c + 1, '/')) {
        size_t n = strcspn(c + 1, "/");
        if ((n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
            return 0;
    }
    return 1;
}

static int s_add(tenant_repos_t *r, size_t *cap, const char *tenant, const char *root, int lineno)
{
    const char *path = s_path_of(root);
    char buf[ROOT_MAX];
    snprintf(buf, sizeof buf, "%s", path ? path : root);
    size_t n = strlen(buf);
    while (path && n > 1 && buf[n - 1] == '/')
        buf[--n] = '\0';
    if (path ? !s_canonical(buf) : gitops_url_prefix_covers(buf, "https://example.invalid/x") < 0)
        return al_err_set(AL_ECONFIG, "tenant_repos %s:%d: '%s' is neither a canonical absolute path nor a URL "
                          "prefix", r->path, lineno, root);
    if (r->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        root_t *g = realloc(r->roots, nc * sizeof *g);
        if (!g)
            return al_err_set(AL_ENOMEM, "out of memory");
        r->roots = g;
        *cap = nc;
    }
    root_t *e = &r->roots[r->n];
    e->tenant = strdup(tenant);
    e->root = strdup(buf);
    e->is_url = !path;
    if (!e->tenant || !e->root) {
        free(e->tenant);
        free(e->root);
        return al_err_set(AL_ENOMEM, "out of memory");
    }
    r->n++;
    return AL_OK;
}

static int s_parse_line(tenant_repos_t *r, size_t *cap, char *line, int lineno)
{
    char *save = NULL, *tenant = strtok_r(line, " \t\r\n,", &save);
    if (!tenant || tenant[0] == '#')
        return AL_OK;
    int rc = AL_OK, roots = 0;
    for (char *t = strtok_r(NULL, " \t\r\n,", &save); rc == AL_OK && t && t[0] != '#';
         t = strtok_r(NULL, " \t\r\n,", &save), roots++)
        rc = s_add(r, cap, tenant, t, lineno);
    if (rc == AL_OK && roots == 0)
        rc = al_err_set(AL_ECONFIG, "tenant_repos %s:%d: expected `TENANT ROOT [ROOT...]`", r->path, lineno);
    return rc;
}

/* (Re)reads the file when it changed; on an error keeps the last good table
 * (and refuses everything when there never was one). */
static int s_load(tenant_repos_t *r)
{
    struct stat st;
    if (stat(r->path, &st) != 0)
        return al_err_set_errno(AL_ECONFIG, "tenant_repos %s", r->path);
    if (r->loaded && st.st_mtim.tv_sec == r->mtime.tv_sec && st.st_mtim.tv_nsec == r->mtime.tv_nsec &&
        st.st_size == r->size)
        return AL_OK;
    FILE *f = fopen(r->path, "re");
    if (!f)
        return al_err_set_errno(AL_ECONFIG, "tenant_repos %s", r->path);
    tenant_repos_t fresh = { .path = r->path };
    size_t cap = 0, len = 0;
    char *line = NULL;
    int rc = AL_OK, lineno = 0;
    while (rc == AL_OK && getline(&line, &len, f) >= 0)
        rc = s_parse_line(&fresh, &cap, line, ++lineno);
    free(line);
    fclose(f);
    if (rc != AL_OK) {
        s_free_roots(&fresh);
        return rc;
    }
    s_free_roots(r);
    r->roots = fresh.roots;
    r->n = fresh.n;
    r->mtime = st.st_mtim;
    r->size = st.st_size;
    r->loaded = 1;
    al_info("tenancy.repos_loaded", "file=%s roots=%zu", r->path, r->n);
    return AL_OK;
}

int tenant_repos_new(tenant_repos_t **out, const char *path)
{
    *out = NULL;
    if (!path || !*path)
        return AL_OK;
    tenant_repos_t *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return al_err_set(AL_ENOMEM, "out of memory");
    }
    int rc = s_load(r);
    if (rc != AL_OK) {
        tenant_repos_destroy(&r);
        return rc;
    }
    *out = r;
    return AL_OK;
}

void tenant_repos_destroy(tenant_repos_t **p)
{
    if (!p || !*p)
        return;
    s_free_roots(*p);
    free((*p)->path);
    free(*p);
    *p = NULL;
}

static int s_covers(const root_t *e, const char *repo)
{
    if (e->is_url)
        return gitops_url_is_remote(repo) && gitops_url_prefix_covers(e->root, repo) == 1;
    const char *p = s_path_of(repo);
    size_t n = strlen(e->root);
    return p && strncmp(p, e->root, n) == 0 && (p[n] == '\0' || p[n] == '/' || strcmp(e->root, "/") == 0);
}

int tenant_repos_check(tenant_repos_t *r, const char *tenant, const char *repo)
{
    if (!r)
        return AL_OK;
    if (s_load(r) != AL_OK)
        al_warn("tenancy.repos_reload_failed", "error=%s", al_err_msg());   /* keep the last good table */
    const char *path = repo ? s_path_of(repo) : NULL;
    if (path && !s_canonical(path))
        return al_err_set(AL_EPOLICY, "repo: '%s' is not a canonical absolute path (no '.', '..' or empty "
                          "components): it cannot be checked against tenant %s's repository roots", repo, tenant);
    for (size_t i = 0; repo && i < r->n; i++)
        if ((strcmp(r->roots[i].tenant, tenant) == 0 || strcmp(r->roots[i].tenant, "*") == 0) &&
            s_covers(&r->roots[i], repo))
            return AL_OK;
    return al_err_set(AL_EPOLICY, "repo: '%s' is outside the repository roots of tenant %s (setting tenant_repos)",
                      repo ? repo : "", tenant);
}
