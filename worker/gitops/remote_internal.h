/*
 * remote_internal.h: what remote.c (the fetch) and remote_config.c (URLs,
 * URL-prefix rules, the credentials file, known_hosts) share. Not seen
 * outside worker/gitops.
 */
#ifndef AIRLOCK_GITOPS_REMOTE_INTERNAL_H
#define AIRLOCK_GITOPS_REMOTE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "worker/gitops/gitops.h"

#define REMOTE_URL_MAX 4096

typedef enum { REMOTE_HTTPS = 1, REMOTE_HTTP, REMOTE_SSH } remote_scheme_t;

/* A parsed remote URL. `canon` is the form prefixes are matched on: scheme
 * and host lower-cased, the scheme's default port dropped, the path as given. */
typedef struct {
    remote_scheme_t scheme;
    char user[64];               /* ssh only; "" when none */
    char host[256];              /* without brackets for IPv6 */
    int port;                    /* 0 = the scheme's default */
    char canon[REMOTE_URL_MAX];
} remote_url_t;

/* Parses scheme://[user@]host[:port][/path]. A path is required unless
 * allow_no_path (prefixes may name a whole host). Returns 0 or AL_EINVAL. */
int remote_url_parse(const char *text, int allow_no_path, remote_url_t *out);

/* 1 when `prefix` (canonical) covers `url` (canonical): url starts with it and
 * the prefix ends with '/' or the url continues with '/' or ends there. */
int remote_prefix_covers(const char *prefix, const char *url);

typedef enum { CRED_BASIC = 1, CRED_SSHKEY } cred_kind_t;

typedef struct {
    char *prefix;                /* canonical */
    cred_kind_t kind;
    char *user;
    char *secret_path;           /* password file, or ssh private key */
    char *public_path;           /* ssh public key; NULL = derived by libssh2 */
} remote_cred_t;

typedef struct {
    int marker_revoked;
    char *hosts;                 /* the pattern field as written */
    unsigned char *key;          /* decoded key blob */
    size_t key_len;
} known_host_t;

struct gitops_remote {
    remote_cred_t *creds;
    size_t n_creds;
    char **allow;                /* canonical prefixes; none = any host */
    size_t n_allow;
    known_host_t *known;
    size_t n_known;
    int has_known_hosts;
    int allow_http;
    uint64_t max_fetch_bytes;
};

/* The longest credential prefix covering url, or NULL. */
const remote_cred_t *remote_cred_find(const gitops_remote_t *rm, const remote_url_t *url);

/* Refuses a URL the rules do not allow (scheme, http, allowlist): 0 or
 * AL_EPOLICY naming the rule. */
int remote_url_allowed(const gitops_remote_t *rm, const remote_url_t *url);

/* Reads a secret file (password), refusing one that group or others may
 * read; strips one trailing newline. *out is malloc'd; wipe and free it. */
int remote_secret_read(const char *path, char **out);
/* Refuses a key file that group or others may read. */
int remote_secret_check(const char *path);

/* Checks an ssh host key against known_hosts: 0 when a line for host/port
 * holds exactly this key, else AL_EPOLICY naming the host. */
int remote_known_host_check(const gitops_remote_t *rm, const char *host, int port,
                            const unsigned char *key, size_t key_len,
                            const unsigned char *sha256, int have_key);

#endif
