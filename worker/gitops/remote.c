/*
 * remote.c: fetching a remote repository (https://, http://, ssh://) with
 * libgit2 into a local repository (the mirror, or the task's repository when
 * there is no cache): which refs to ask for, credentials by URL prefix, ssh
 * host keys, a byte limit, and error messages that say what went wrong.
 *
 * The remote is anonymous (git_remote_create_with_opts without a name): its
 * URL and credentials are never written into any git config. A password is
 * read from its file when the server asks for one, handed to libgit2 and
 * wiped. Redirects are not followed, so a credential never goes to a host it
 * was not configured for. libgit2 1.5 cannot fetch shallow or by object id:
 * the fetch is narrowed to the refs the job names instead.
 *
 * Owns: the fetch context (on the stack) and the git_remote of one fetch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops_internal.h"
#include "worker/gitops/remote_internal.h"

#define MAX_SPECS 2
#define SPEC_MAX 600

typedef struct {
    const gitops_remote_t *rm;
    remote_url_t url;
    const remote_cred_t *cred;
    int secret_calls;            /* credentials handed out (a second ask = refused) */
    uint64_t max_bytes;
    char why[600];               /* our reason when a callback stopped the fetch */
} fetch_ctx_t;

int gitops_remote_set_ca_file(const char *path)
{
    if (!path || !*path)
        return 0;
    if (git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, path, NULL) < 0)
        return gitops_git_err(AL_ECONFIG, "git_ca_file");
    return 0;
}

static int s_stop(fetch_ctx_t *c, const char *fmt, const char *a, const char *b)
{
    if (snprintf(c->why, sizeof c->why, fmt, a, b) >= (int)sizeof c->why)
        memcpy(c->why + sizeof c->why - 4, "...", 4);   /* cut, still a message */
    git_error_set_str(GIT_ERROR_CALLBACK, c->why);
    return GIT_EUSER;
}

/* "Authorization: Basic base64(user:password)" for the first request: the
 * credential goes with it instead of after a 401 (libgit2 1.5 misreads the
 * 401 answering a replayed request when it has a body, so a wrong password
 * would surface as an HTTP parser error). *hdr is wiped and freed by the
 * caller with s_header_free. */
static int s_basic_header(const remote_cred_t *cred, char **hdr)
{
    char *password = NULL, *plain = NULL;
    *hdr = NULL;
    int rc = remote_secret_read(cred->secret_path, &password);
    if (rc < 0)
        return al_err_wrap(rc, "credential for %s", cred->prefix);
    size_t n = strlen(cred->user) + 1 + strlen(password);
    plain = malloc(n + 1);
    *hdr = malloc(32 + 4 * (n / 3 + 1) + 1);
    if (plain && *hdr) {
        snprintf(plain, n + 1, "%s:%s", cred->user, password);
        int len = snprintf(*hdr, 32, "Authorization: Basic ");
        EVP_EncodeBlock((unsigned char *)*hdr + len, (const unsigned char *)plain, (int)n);
    } else {
        rc = al_err_set(AL_ENOMEM, "out of memory");
    }
    OPENSSL_cleanse(password, strlen(password));
    free(password);
    if (plain)
        OPENSSL_cleanse(plain, n);
    free(plain);
    return rc;
}

static void s_header_free(char **hdr)
{
    if (*hdr)
        OPENSSL_cleanse(*hdr, strlen(*hdr));
    free(*hdr);
    *hdr = NULL;
}

static int s_credentials(git_credential **out, const char *url, const char *user_from_url,
                         unsigned int allowed, void *payload)
{
    (void)url;
    (void)user_from_url;
    fetch_ctx_t *c = payload;
    if (!c->cred)
        return s_stop(c, "%s asks for credentials and git_credentials has none for it%s",
                      c->url.canon, "");
    if (c->cred->kind == CRED_SSHKEY && (allowed & GIT_CREDENTIAL_USERNAME))
        return git_credential_username_new(out, c->cred->user);
    if (c->secret_calls++ > 0 || c->cred->kind == CRED_BASIC)   /* basic: sent with the request */
        return s_stop(c, "authentication failed for %s with the credential of %s", c->url.canon,
                      c->cred->prefix);
    if (!(allowed & GIT_CREDENTIAL_SSH_KEY))
        return s_stop(c, "%s does not accept an ssh key%s", c->url.canon, "");
    if (remote_secret_check(c->cred->secret_path) < 0)
        return s_stop(c, "credential for %s: %s", c->cred->prefix, al_err_msg());
    return git_credential_ssh_key_new(out, c->cred->user, c->cred->public_path,
                                      c->cred->secret_path, NULL);
}

/* ssh: the host key must be in known_hosts. TLS: libgit2's own verification
 * (against the system's or git_ca_file's CAs) decides. */
static int s_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
    (void)valid;
    (void)host;
    fetch_ctx_t *c = payload;
    if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
        return GIT_PASSTHROUGH;
    const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
    int raw = (hk->type & GIT_CERT_SSH_RAW) != 0;
    if (!raw && !(hk->type & GIT_CERT_SSH_SHA256))
        return s_stop(c, "ssh host %s: no usable host key fingerprint%s", c->url.host, "");
    if (remote_known_host_check(c->rm, c->url.host, c->url.port, (const unsigned char *)hk->hostkey,
                                raw ? hk->hostkey_len : 0, hk->hash_sha256, raw) < 0)
        return s_stop(c, "%s%s", al_err_msg(), "");
    return 0;
}

static int s_progress(const git_indexer_progress *st, void *payload)
{
    fetch_ctx_t *c = payload;
    if ((uint64_t)st->received_bytes <= c->max_bytes)
        return 0;
    char limit[32];
    snprintf(limit, sizeof limit, "%llu", (unsigned long long)c->max_bytes);
    return s_stop(c, "fetch of %s stopped: it sent more than %s bytes (git_fetch_max_mb)",
                  c->url.canon, limit);
}

static int s_is_hex(const char *s)
{
    size_t n = strlen(s);
    return n >= 7 && n <= GITOPS_OID_HEXSZ && strspn(s, "0123456789abcdefABCDEF") == n;
}

/* The refspecs of a fetch: the named ref (pull/N/..., merge-requests/N/...
 * and refs/... as such, a bare name as a branch and as a tag), else every
 * branch and tag. want[] gets the refs of which one must exist afterwards. */
static int s_refspecs(const gitops_source_t *src, char specs[MAX_SPECS][SPEC_MAX], size_t *n,
                      char want[MAX_SPECS][SPEC_MAX])
{
    const char *name = src->ref ? src->ref : s_is_hex(src->base) ? NULL : src->base;
    *n = 0;
    if (!name) {
        snprintf(specs[0], SPEC_MAX, "+refs/heads/*:refs/heads/*");
        snprintf(specs[1], SPEC_MAX, "+refs/tags/*:refs/tags/*");
        *n = 2;
        return 0;
    }
    if (strcmp(name, "HEAD") == 0 || strlen(name) > 256)
        return al_err_set(AL_EINVAL, "field %s %s: name a branch, tag or pull/N/head to fetch "
                          "from a remote repository", src->ref ? "ref" : "base", name);
    if (strncmp(name, "refs/", 5) == 0) {
        snprintf(want[(*n)++], SPEC_MAX, "%s", name);
    } else if (strncmp(name, "pull/", 5) == 0 || strncmp(name, "merge-requests/", 15) == 0) {
        snprintf(want[(*n)++], SPEC_MAX, "refs/%s", name);
    } else {
        snprintf(want[(*n)++], SPEC_MAX, "refs/heads/%s", name);
        snprintf(want[(*n)++], SPEC_MAX, "refs/tags/%s", name);
    }
    for (size_t i = 0; i < *n; i++)
        if (snprintf(specs[i], SPEC_MAX, "+%s:%s", want[i], want[i]) >= SPEC_MAX)
            return al_err_set(AL_EINVAL, "ref name too long");
    return 0;
}

/* After the fetch: the named ref arrived, and a commit-id base is there. */
static int s_verify(git_repository *repo, const gitops_source_t *src, const fetch_ctx_t *c,
                    char want[MAX_SPECS][SPEC_MAX], size_t nwant, size_t nspecs)
{
    git_reference *ref = NULL;
    git_object *obj = NULL;
    int found = nwant == 0;
    for (size_t i = 0; i < nwant && !found; i++) {
        found = git_reference_lookup(&ref, repo, want[i]) == 0;
        git_reference_free(ref);
        ref = NULL;
    }
    if (!found)
        return al_err_set(AL_ENOTFOUND, "field %s %s: no such ref on %s", src->ref ? "ref" : "base",
                          src->ref ? src->ref : src->base, c->url.canon);
    if (!s_is_hex(src->base))
        return 0;
    int ok = git_revparse_single(&obj, repo, src->base) == 0;
    git_object_free(obj);
    if (ok)
        return 0;
    return al_err_set(AL_ENOTFOUND, "field base %s: not in %s of %s; set `ref` to the branch or "
                      "pull/N/head that contains it", src->base,
                      nspecs == 2 && nwant == 0 ? "the branches and tags" : src->ref ? src->ref : "the fetched refs",
                      c->url.canon);
}

static void s_fetch_opts(git_fetch_options *fo, fetch_ctx_t *c)
{
    git_fetch_options_init(fo, GIT_FETCH_OPTIONS_VERSION);
    fo->download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    fo->prune = GIT_FETCH_NO_PRUNE;
    fo->update_fetchhead = 0;
    fo->follow_redirects = GIT_REMOTE_REDIRECT_NONE;
    fo->callbacks.credentials = s_credentials;
    fo->callbacks.certificate_check = s_certificate;
    fo->callbacks.transfer_progress = s_progress;
    fo->callbacks.payload = c;
}

static int s_context(fetch_ctx_t *c, const gitops_source_t *src)
{
    memset(c, 0, sizeof *c);
    c->rm = src->remote;
    c->max_bytes = src->remote ? src->remote->max_fetch_bytes : (2ull << 30);
    if (remote_url_parse(src->url, 0, &c->url) < 0)
        return al_err_wrap(AL_EINVAL, "field repo");
    int rc = remote_url_allowed(src->remote, &c->url);
    if (rc < 0)
        return al_err_wrap(rc, "field repo");
    c->cred = remote_cred_find(src->remote, &c->url);
    return 0;
}

int gitops_remote_fetch(git_repository *repo, const gitops_source_t *src)
{
    fetch_ctx_t c;
    char specs[MAX_SPECS][SPEC_MAX], want[MAX_SPECS][SPEC_MAX], *spec_ptrs[MAX_SPECS];
    size_t n = 0, nwant = 0;
    git_remote *remote = NULL;
    git_remote_create_options ro;
    git_fetch_options fo;
    char *auth = NULL;
    int rc = s_context(&c, src);
    if (rc == 0)
        rc = s_refspecs(src, specs, &n, want);
    if (rc < 0)
        return rc;
    nwant = src->ref || !s_is_hex(src->base) ? n : 0;
    for (size_t i = 0; i < n; i++)
        spec_ptrs[i] = specs[i];
    git_strarray refspecs = { spec_ptrs, n };
    git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    ro.repository = repo;
    ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    s_fetch_opts(&fo, &c);
    if (c.cred && c.cred->kind == CRED_BASIC) {
        if ((rc = s_basic_header(c.cred, &auth)) < 0)
            goto done;
        fo.custom_headers.strings = &auth;
        fo.custom_headers.count = 1;
    }
    if (git_remote_create_with_opts(&remote, src->url, &ro) < 0) {
        rc = gitops_git_err(AL_EGIT, "remote");
        goto done;
    }
    if (git_remote_fetch(remote, &refspecs, &fo, NULL) < 0) {
        rc = c.why[0] ? al_err_set(AL_EGIT, "fetch %s: %s", c.url.canon, c.why)
                      : gitops_git_err(AL_EGIT, "fetch");
        if (!c.why[0])
            al_err_wrap(rc, "%s", c.url.canon);
        goto done;
    }
    const git_indexer_progress *st = git_remote_stats(remote);
    al_info("gitops.remote.fetched", "task=%s url=%s refs=%s%s credential=%s objects=%u bytes=%zu",
            src->task_id ? src->task_id : "-", c.url.canon, specs[0], n > 1 ? ",..." : "",
            c.cred ? c.cred->prefix : "none", st->received_objects, st->received_bytes);
    rc = s_verify(repo, src, &c, want, nwant, n);
done:
    git_remote_free(remote);
    s_header_free(&auth);
    return rc;
}

int gitops_remote_fetch_bare(const char *bare_dir, const gitops_source_t *src)
{
    git_repository *repo = NULL;
    if (!bare_dir || !src || !gitops_url_is_remote(src->url))
        return al_err_set(AL_EINVAL, "gitops_remote_fetch_bare: a directory and a remote URL are needed");
    if (git_repository_open_bare(&repo, bare_dir) < 0 && git_repository_init(&repo, bare_dir, 1) < 0)
        return gitops_git_err(AL_EGIT, "bare repository");
    int rc = gitops_remote_fetch(repo, src);
    git_repository_free(repo);
    return rc;
}
