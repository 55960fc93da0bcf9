/*
 * tenancy.h: who may see, cancel and submit what (issue 12), the same rules
 * on the CurveZMQ client channel (client_api.c) and the HTTP API
 * (orchestrator/api).
 *
 * A client's TENANT is its certificate's metadata `tenant` (airlock keygen
 * --tenant T), else its public key. Its ACCESS is the metadata `access`:
 * none = the jobs of its own tenant only; `reader` = sees the jobs of every
 * tenant, cancels its own; `admin` = sees and cancels every job. A job keeps
 * the tenant it was submitted under (jobs.tenant, sql/0073). Another tenant's
 * job is answered exactly like a job that does not exist, so ids cannot be
 * probed.
 *
 * REPOSITORY ROOTS: with the setting tenant_repos (a file), a job's `repo`
 * must lie under one of its tenant's roots, or the SUBMIT is refused naming
 * the repo and the tenant. Lines `TENANT ROOT [ROOT...]` (roots separated by
 * spaces or commas, `#` comments; tenant `*` applies to every tenant): a root
 * is an absolute path (covers itself and what is below it, by whole path
 * components; `file://` paths the same) or a URL prefix (https://, http://,
 * ssh://, matched like git_remote_allow). A path repo must be canonical (no
 * `.`, `..` or empty components), so it cannot climb out of a root. The file
 * is re-read when it changes. Without the setting there is no restriction.
 *
 * Ownership: tenant_repos_t is owned by its creator (tenant_repos_destroy);
 * one per thread. Errors: AL_EPOLICY (refused: the message says why),
 * AL_ECONFIG (the file: name and line), AL_ENOMEM.
 */
#ifndef AIRLOCK_ORCH_TENANCY_H
#define AIRLOCK_ORCH_TENANCY_H

#include <stddef.h>

typedef enum { TENANT_ACCESS_OWN = 0, TENANT_ACCESS_READER, TENANT_ACCESS_ADMIN } tenant_access_t;

typedef struct {
    char key[48];                /* the client's public key (Z85): jobs.submitted_by */
    char tenant[257];            /* 1..256 bytes (jobs.tenant) */
    tenant_access_t access;
} tenant_who_t;

/* Fills w from a client's key and certificate metadata (NULL = absent).
 * AL_EPOLICY for a tenant over 256 bytes or an access value other than
 * reader or admin. */
int tenant_who_set(tenant_who_t *w, const char *key, const char *tenant_meta, const char *access_meta);
/* 1 when w may see / cancel a job of job_tenant (NULL: a job of no tenant,
 * which only reader/admin see and only admin cancels). */
int tenant_may_see(const tenant_who_t *w, const char *job_tenant);
int tenant_may_cancel(const tenant_who_t *w, const char *job_tenant);
/* The tenant a LIST is limited to; NULL = every tenant. Lent from w. */
const char *tenant_list_filter(const tenant_who_t *w);

typedef struct tenant_repos tenant_repos_t;

/* path NULL or "": no rules (every repo allowed). */
int tenant_repos_new(tenant_repos_t **out, const char *path);
void tenant_repos_destroy(tenant_repos_t **p);
/* 0 when `repo` is under one of the tenant's roots (or there are no rules);
 * AL_EPOLICY naming repo and tenant otherwise. */
int tenant_repos_check(tenant_repos_t *r, const char *tenant, const char *repo);

#endif
