/*
 * remote_config.c: the rules for remote repositories: URL parsing and
 * canonical form, URL-prefix matching (allowlist and credentials), the
 * credentials file, secret files, and ssh host keys from known_hosts.
 *
 * Owns: the gitops_remote_t (its credential entries, allowlist and known
 * hosts). Secrets themselves are never held here: remote.c reads a password
 * file when a server asks for it and wipes the copy after handing it over.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/base64.h"
#include "common/error.h"
#include "worker/gitops/remote_internal.h"

#define DEFAULT_MAX_FETCH (2ull << 30)
#define SECRET_MAX 4096

int gitops_url_is_remote(const char *url)
{
    return url && (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0 ||
                   strncmp(url, "ssh://", 6) == 0);
}

static int s_scheme(const char **p, remote_scheme_t *out)
{
    static const struct { const char *name; remote_scheme_t s; } tab[] = {
        { "https://", REMOTE_HTTPS }, { "http://", REMOTE_HTTP }, { "ssh://", REMOTE_SSH },
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        size_t n = strlen(tab[i].name);
        if (strncasecmp(*p, tab[i].name, n) == 0) {
            *p += n;
            *out = tab[i].s;
            return 0;
        }
    }
    return al_err_set(AL_EINVAL, "not an https://, http:// or ssh:// URL");
}

/* [user@] — ssh only, a plain name. */
static int s_user(const char **p, remote_url_t *u)
{
    const char *at = strchr(*p, '@'), *slash = strchr(*p, '/');
    if (!at || (slash && slash < at))
        return 0;
    size_t n = (size_t)(at - *p);
    if (u->scheme != REMOTE_SSH || n == 0 || n >= sizeof u->user)
        return al_err_set(AL_EINVAL, "user@ only in ssh URLs, as a plain name");
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)(*p)[i]) && !strchr("._~-", (*p)[i]))
            return al_err_set(AL_EINVAL, "the ssh user must be a plain name (no password)");
    memcpy(u->user, *p, n);
    u->user[n] = '\0';
    *p = at + 1;
    return 0;
}

static int s_host_port(const char **p, remote_url_t *u)
{
    const char *s = *p, *end;
    if (*s == '[') {
        end = strchr(s, ']');
        if (!end || end == s + 1 || (size_t)(end - s - 1) >= sizeof u->host)
            return al_err_set(AL_EINVAL, "bad IPv6 literal");
        memcpy(u->host, s + 1, (size_t)(end - s - 1));
        u->host[end - s - 1] = '\0';
        end++;
    } else {
        end = s + strcspn(s, ":/");
        if (end == s || (size_t)(end - s) >= sizeof u->host)
            return al_err_set(AL_EINVAL, "no host");
        memcpy(u->host, s, (size_t)(end - s));
        u->host[end - s] = '\0';
    }
    for (char *h = u->host; *h; h++) {
        if (!isalnum((unsigned char)*h) && !strchr("-.:", *h))
            return al_err_set(AL_EINVAL, "bad character in host");
        *h = (char)tolower((unsigned char)*h);
    }
    u->port = 0;
    if (*end == ':') {
        char *stop = NULL;
        long port = strtol(end + 1, &stop, 10);
        if (stop == end + 1 || port < 1 || port > 65535)
            return al_err_set(AL_EINVAL, "bad port");
        u->port = (int)port;
        end = stop;
    }
    static const int defaults[] = { 0, 443, 80, 22 };
    if (u->port == defaults[u->scheme])
        u->port = 0;
    *p = end;
    return 0;
}

int remote_url_parse(const char *text, int allow_no_path, remote_url_t *u)
{
    const char *p = text;
    static const char *const names[] = { "", "https", "http", "ssh" };
    memset(u, 0, sizeof *u);
    if (!text || strlen(text) >= REMOTE_URL_MAX)
        return al_err_set(AL_EINVAL, "URL missing or too long");
    for (const char *c = text; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return al_err_set(AL_EINVAL, "space or control character in URL");
    int rc = s_scheme(&p, &u->scheme);
    if (rc == 0)
        rc = s_user(&p, u);
    if (rc == 0)
        rc = s_host_port(&p, u);
    if (rc == 0 && *p != '/' && !(allow_no_path && *p == '\0'))
        rc = al_err_set(AL_EINVAL, "no path after the host");
    if (rc < 0)
        return rc;
    int ipv6 = strchr(u->host, ':') != NULL;
    char port[16] = "";
    if (u->port)
        snprintf(port, sizeof port, ":%d", u->port);
    snprintf(u->canon, sizeof u->canon, "%s://%s%s%s%s%s%s%s", names[u->scheme], u->user,
             u->user[0] ? "@" : "", ipv6 ? "[" : "", u->host, ipv6 ? "]" : "", port, p);
    return 0;
}

int remote_prefix_covers(const char *prefix, const char *url)
{
    size_t n = strlen(prefix);
    if (n == 0 || strncmp(prefix, url, n) != 0)
        return 0;
    return prefix[n - 1] == '/' || url[n] == '/' || url[n] == '\0';
}

int gitops_url_prefix_covers(const char *prefix, const char *url)
{
    remote_url_t *p = malloc(sizeof *p), *u = malloc(sizeof *u);
    int rc = !p || !u ? al_err_set(AL_ENOMEM, "out of memory")
             : remote_url_parse(prefix, 1, p) < 0 ? al_err_wrap(AL_EINVAL, "prefix '%s'", prefix)
             : remote_url_parse(url, 0, u) < 0   ? AL_EINVAL
                                                 : remote_prefix_covers(p->canon, u->canon);
    free(p);
    free(u);
    return rc;
}

const remote_cred_t *remote_cred_find(const gitops_remote_t *rm, const remote_url_t *url)
{
    const remote_cred_t *best = NULL;
    for (size_t i = 0; rm && i < rm->n_creds; i++) {
        const remote_cred_t *c = &rm->creds[i];
        if (remote_prefix_covers(c->prefix, url->canon) &&
            (!best || strlen(c->prefix) > strlen(best->prefix)))
            best = c;
    }
    return best;
}

int remote_url_allowed(const gitops_remote_t *rm, const remote_url_t *url)
{
    if (url->scheme == REMOTE_HTTP && !(rm && rm->allow_http))
        return al_err_set(AL_EPOLICY, "plain http:// repositories are off on this worker "
                                      "(setting git_allow_http); use https://");
    if (url->scheme == REMOTE_SSH && !(rm && rm->has_known_hosts))
        return al_err_set(AL_EPOLICY, "ssh:// repositories need the servers' host keys "
                                      "(setting git_known_hosts)");
    if (!rm || rm->n_allow == 0)
        return 0;
    for (size_t i = 0; i < rm->n_allow; i++)
        if (remote_prefix_covers(rm->allow[i], url->canon))
            return 0;
    return al_err_set(AL_EPOLICY, "%s is not under any prefix of git_remote_allow", url->canon);
}

int remote_secret_check(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return al_err_set_errno(AL_EIO, "credential file %s", path);
    if (!S_ISREG(st.st_mode))
        return al_err_set(AL_ECONFIG, "credential file %s is not a regular file", path);
    if (st.st_mode & 077)
        return al_err_set(AL_ECONFIG, "credential file %s may be read by group or others "
                                      "(mode %03o); chmod 600 it", path, (unsigned)(st.st_mode & 0777));
    return 0;
}

int remote_secret_read(const char *path, char **out)
{
    *out = NULL;
    int rc = remote_secret_check(path);
    if (rc < 0)
        return rc;
    FILE *f = fopen(path, "re");
    if (!f)
        return al_err_set_errno(AL_EIO, "credential file %s", path);
    char *buf = calloc(1, SECRET_MAX + 1);
    size_t n = buf ? fread(buf, 1, SECRET_MAX + 1, f) : 0;
    fclose(f);
    if (!buf)
        return al_err_set(AL_ENOMEM, "out of memory");
    if (n > SECRET_MAX || n == 0) {
        OPENSSL_cleanse(buf, SECRET_MAX + 1);
        free(buf);
        return al_err_set(AL_ECONFIG, "credential file %s is empty or over %d bytes", path, SECRET_MAX);
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    *out = buf;
    return 0;
}

/* ---- files ------------------------------------------------------------- */

static char *s_tok(char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s || *s == '#')
        return NULL;
    char *e = s + strcspn(s, " \t");
    if (*e)
        *e++ = '\0';
    *p = e;
    return s;
}

/* One line of the credentials file into c (strings copied). */
static int s_cred_line(char *line, const char *file, int lineno, remote_cred_t *c)
{
    char *p = line, *tok[6] = { 0 };
    size_t n = 0;
    for (char *t; n < 6 && (t = s_tok(&p));)
        tok[n++] = t;
    remote_url_t u;
    if (n < 4 || n > 5 || remote_url_parse(tok[0], 1, &u) < 0)
        return al_err_set(AL_ECONFIG, "%s:%d: expected `URL-PREFIX basic USER PASSWORD_FILE` or "
                          "`URL-PREFIX sshkey USER KEY_FILE [PUB_FILE]`", file, lineno);
    if (strcmp(tok[1], "basic") == 0 && n == 4 && u.scheme != REMOTE_SSH)
        c->kind = CRED_BASIC;
    else if (strcmp(tok[1], "sshkey") == 0 && u.scheme == REMOTE_SSH)
        c->kind = CRED_SSHKEY;
    else
        return al_err_set(AL_ECONFIG, "%s:%d: `basic` is for http(s) prefixes, `sshkey` for ssh ones",
                          file, lineno);
    if (tok[3][0] != '/' || (n == 5 && tok[4][0] != '/'))
        return al_err_set(AL_ECONFIG, "%s:%d: secret files must be absolute paths", file, lineno);
    int rc = remote_secret_check(tok[3]);
    if (rc < 0)
        return al_err_wrap(rc, "%s:%d", file, lineno);
    c->prefix = strdup(u.canon);
    c->user = strdup(tok[2]);
    c->secret_path = strdup(tok[3]);
    c->public_path = n == 5 ? strdup(tok[4]) : NULL;
    if (!c->prefix || !c->user || !c->secret_path || (n == 5 && !c->public_path))
        return al_err_set(AL_ENOMEM, "out of memory");
    return 0;
}

/* Calls fn for every non-empty, non-comment line of path. */
static int s_each_line(const char *path, int (*fn)(gitops_remote_t *, char *, const char *, int),
                       gitops_remote_t *rm)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return al_err_set_errno(AL_ECONFIG, "cannot read %s", path);
    char *line = NULL;
    size_t cap = 0;
    int rc = 0, lineno = 0;
    while (rc == 0 && getline(&line, &cap, f) >= 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *s = line + strspn(line, " \t");
        if (*s && *s != '#')
            rc = fn(rm, s, path, lineno);
    }
    free(line);
    fclose(f);
    return rc;
}

static int s_add_cred(gitops_remote_t *rm, char *line, const char *file, int lineno)
{
    remote_cred_t *grown = realloc(rm->creds, (rm->n_creds + 1) * sizeof *grown);
    if (!grown)
        return al_err_set(AL_ENOMEM, "out of memory");
    rm->creds = grown;
    memset(&rm->creds[rm->n_creds], 0, sizeof *grown);
    return s_cred_line(line, file, lineno, &rm->creds[rm->n_creds++]);
}

/* [@revoked|@cert-authority] HOSTS KEYTYPE BASE64 [comment] */
static int s_add_known(gitops_remote_t *rm, char *line, const char *file, int lineno)
{
    char *p = line, *f1 = s_tok(&p), *hosts = f1, *type, *key;
    int revoked = 0;
    if (f1 && f1[0] == '@') {
        if (strcmp(f1, "@cert-authority") == 0)
            return 0;   /* host certificates: not supported, the line is ignored */
        revoked = strcmp(f1, "@revoked") == 0;
        hosts = s_tok(&p);
    }
    type = s_tok(&p);
    key = s_tok(&p);
    known_host_t k = { revoked, NULL, NULL, 0 };
    if (!hosts || !type || !key || al_b64_decode(key, &k.key, &k.key_len) < 0)
        return al_err_set(AL_ECONFIG, "%s:%d: not a known_hosts line", file, lineno);
    known_host_t *grown = realloc(rm->known, (rm->n_known + 1) * sizeof *grown);
    if (grown)
        rm->known = grown;
    k.hosts = strdup(hosts);
    if (!grown || !k.hosts) {
        free(k.key);
        free(k.hosts);
        return al_err_set(AL_ENOMEM, "out of memory");
    }
    rm->known[rm->n_known++] = k;
    return 0;
}

static int s_allow_list(gitops_remote_t *rm, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    int rc = copy ? 0 : al_err_set(AL_ENOMEM, "out of memory");
    for (char *t = copy ? strtok_r(copy, ", \t", &save) : NULL; rc == 0 && t;
         t = strtok_r(NULL, ", \t", &save)) {
        remote_url_t u;
        char **grown = realloc(rm->allow, (rm->n_allow + 1) * sizeof *grown);
        if (!grown) {
            rc = al_err_set(AL_ENOMEM, "out of memory");
            break;
        }
        rm->allow = grown;
        if (remote_url_parse(t, 1, &u) < 0)
            rc = al_err_set(AL_ECONFIG, "git_remote_allow: '%s' is not a URL prefix (%s)", t, al_err_msg());
        else if (!(rm->allow[rm->n_allow] = strdup(u.canon)))
            rc = al_err_set(AL_ENOMEM, "out of memory");
        else
            rm->n_allow++;
    }
    free(copy);
    return rc;
}

int gitops_remote_new(gitops_remote_t **out, const gitops_remote_opts_t *o)
{
    if (!out || !o || o->version != GITOPS_REMOTE_OPTS_VERSION)
        return al_err_set(AL_EINVAL, "gitops_remote_new: bad arguments or options version");
    *out = NULL;
    gitops_remote_t *rm = calloc(1, sizeof *rm);
    if (!rm)
        return al_err_set(AL_ENOMEM, "out of memory");
    rm->allow_http = o->allow_http;
    rm->max_fetch_bytes = o->max_fetch_bytes ? o->max_fetch_bytes : DEFAULT_MAX_FETCH;
    int rc = 0;
    if (o->credentials_file && *o->credentials_file)
        rc = s_each_line(o->credentials_file, s_add_cred, rm);
    if (rc == 0 && o->known_hosts && *o->known_hosts) {
        rm->has_known_hosts = 1;
        rc = s_each_line(o->known_hosts, s_add_known, rm);
    }
    if (rc == 0 && o->allow && *o->allow)
        rc = s_allow_list(rm, o->allow);
    if (rc < 0) {
        gitops_remote_destroy(&rm);
        return rc;
    }
    *out = rm;
    return 0;
}

void gitops_remote_destroy(gitops_remote_t **p)
{
    gitops_remote_t *rm = p ? *p : NULL;
    if (!rm)
        return;
    for (size_t i = 0; i < rm->n_creds; i++) {
        free(rm->creds[i].prefix);
        free(rm->creds[i].user);
        free(rm->creds[i].secret_path);
        free(rm->creds[i].public_path);
    }
    for (size_t i = 0; i < rm->n_allow; i++)
        free(rm->allow[i]);
    for (size_t i = 0; i < rm->n_known; i++) {
        free(rm->known[i].hosts);
        free(rm->known[i].key);
    }
    free(rm->creds);
    free(rm->allow);
    free(rm->known);
    free(rm);
    *p = NULL;
}

/* ---- known_hosts ------------------------------------------------------- */

/* |1|base64(salt)|base64(HMAC-SHA1(salt, name)) */
static int s_hashed_match(const char *pattern, const char *name)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", pattern + 3);
    char *bar = strchr(copy, '|');
    unsigned char *salt = NULL, *want = NULL, mac[EVP_MAX_MD_SIZE];
    size_t salt_len = 0, want_len = 0;
    unsigned mac_len = 0;
    int ok = 0;
    if (!bar)
        return 0;
    *bar = '\0';
    if (al_b64_decode(copy, &salt, &salt_len) == 0 && al_b64_decode(bar + 1, &want, &want_len) == 0 &&
        HMAC(EVP_sha1(), salt, (int)salt_len, (const unsigned char *)name, strlen(name), mac, &mac_len) &&
        want_len == mac_len)
        ok = CRYPTO_memcmp(mac, want, mac_len) == 0;
    free(salt);
    free(want);
    return ok;
}

static int s_hosts_match(const char *hosts, const char *name)
{
    if (strncmp(hosts, "|1|", 3) == 0)
        return s_hashed_match(hosts, name);
    char copy[1024], *save = NULL;
    snprintf(copy, sizeof copy, "%s", hosts);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (strcasecmp(t, name) == 0)
            return 1;
    return 0;
}

int remote_known_host_check(const gitops_remote_t *rm, const char *host, int port,
                            const unsigned char *key, size_t key_len,
                            const unsigned char *sha256, int have_key)
{
    char name[300];
    if (port)
        snprintf(name, sizeof name, "[%s]:%d", host, port);
    else
        snprintf(name, sizeof name, "%s", host);
    int known = 0, match = 0;
    for (size_t i = 0; rm && i < rm->n_known; i++) {
        const known_host_t *k = &rm->known[i];
        if (!s_hosts_match(k->hosts, name))
            continue;
        unsigned char d[32];
        int same = have_key ? (k->key_len == key_len && CRYPTO_memcmp(k->key, key, key_len) == 0)
                            : (EVP_Digest(k->key, k->key_len, d, NULL, EVP_sha256(), NULL) &&
                               CRYPTO_memcmp(d, sha256, 32) == 0);
        if (same && k->marker_revoked)
            return al_err_set(AL_EPOLICY, "ssh host key of %s is marked @revoked in git_known_hosts", name);
        known = 1;
        match |= same;
    }
    if (match)
        return 0;
    return al_err_set(AL_EPOLICY, known ? "ssh host key of %s does NOT match git_known_hosts "
                                          "(possible man-in-the-middle)"
                                        : "ssh host %s is not in git_known_hosts", name);
}
