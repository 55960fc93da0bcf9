/*
 * jobspec_check.c: syntax rules for the job spec's strings: repository
 * locations, git ref names, globs, egress hosts, names, label keys and tokens.
 * Each check returns NULL when the string is valid or the rule it breaks;
 * the host check also canonicalizes (lower case, canonical IP literal).
 * Owns nothing beyond the strings it is handed.
 */
#include "common/jobspec/jobspec_internal.h"
#include "common/base64.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

const char *jobspec_check_text(char **s)
{
    return has_ctl(*s) ? "must not contain control characters" : NULL;
}

const char *jobspec_check_base64(char **s)
{
    return al_b64_valid(*s) ? NULL : "must be base64 (RFC 4648, padded, no line breaks)";
}

const char *jobspec_check_script(char **s)
{
    for (const char *c = *s; *c; c++)
        if (((unsigned char)*c < 0x20 && *c != '\n' && *c != '\t') || *c == 0x7f)
            return "must not contain control characters other than newline and tab";
    return NULL;
}

#define REPO_FORMS "must be an absolute path, a file:// URL, or an https://, http:// or ssh:// URL"

/* host: DNS-style labels of [A-Za-z0-9-] or a bracketed IPv6 literal; then an
 * optional :port. Returns the end of the authority or NULL. */
static const char *url_host_port(const char *p)
{
    const char *h = p;
    if (*p == '[') {
        for (p++; isxdigit((unsigned char)*p) || *p == ':' || *p == '.'; p++)
            ;
        if (*p != ']' || p == h + 1)
            return NULL;
        p++;
    } else {
        for (int label = 0; isalnum((unsigned char)*p) || *p == '-' || *p == '.'; p++) {
            if (*p == '.' && label == 0)
                return NULL;            /* empty label */
            label = *p == '.' ? 0 : label + 1;
        }
        if (p == h || p[-1] == '.')
            return NULL;
    }
    if (*p == ':') {
        const char *d = ++p;
        while (isdigit((unsigned char)*p))
            p++;
        if (p == d || p - d > 5)
            return NULL;
    }
    return p;
}

/* https|http://host[:port]/path or ssh://[user@]host[:port]/path. The user
 * part (ssh only) is a plain name: a password or token never goes into a job
 * (workers hold credentials by URL prefix). */
static const char *check_url(const char *p)
{
    int ssh = strncmp(p, "ssh://", 6) == 0;
    if (ssh)
        p += 6;
    else if (strncmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncmp(p, "http://", 7) == 0)
        p += 7;
    else
        return REPO_FORMS;
    const char *at = strchr(p, '@'), *slash = strchr(p, '/');
    if (at && (!slash || at < slash)) {
        if (!ssh)
            return "must not carry credentials: no user@ in an http(s) URL (workers hold credentials)";
        for (const char *u = p; u < at; u++)
            if (!isalnum((unsigned char)*u) && !strchr("._~-", *u))
                return "must not carry credentials: the ssh user is a plain name, no password";
        if (at == p)
            return REPO_FORMS;
        p = at + 1;
    }
    p = url_host_port(p);
    if (!p || p[0] != '/' || p[1] == '\0')
        return "URL needs a host, an optional :port and a path (https://host/owner/repo.git)";
    for (; *p; p++)
        if ((unsigned char)*p <= ' ')
            return "URL must not contain spaces";
    return NULL;
}

const char *jobspec_check_repo(char **s)
{
    const char *p = *s;
    if (has_ctl(p))
        return "must not contain control characters";
    if (strstr(p, "://") && strncmp(p, "file://", 7) != 0)
        return check_url(p);
    if (strncmp(p, "file://", 7) == 0)
        p += 7;
    if (p[0] != '/')
        return REPO_FORMS;
    return NULL;
}

/* git check-ref-format rules (also accepts a commit id, which is one). */
const char *jobspec_check_ref(char **s)
{
    const char *p = *s;
    static const char bad[] = " ~^:?*[\\";
    const char *rule = "not a valid commit id or ref name";
    size_t n = strlen(p);
    if (n == 0 || p[0] == '-' || p[0] == '/' || p[n - 1] == '/' || p[n - 1] == '.')
        return rule;
    if (strcmp(p, "@") == 0 || strstr(p, "..") || strstr(p, "@{") || strstr(p, "//"))
        return rule;
    if (has_ctl(p) || strpbrk(p, bad))
        return rule;
    for (const char *c = p; c; ) {
        const char *end = strchr(c, '/');
        size_t len = end ? (size_t)(end - c) : strlen(c);
        if (c[0] == '.' || (len >= 5 && strncmp(c + len - 5, ".lock", 5) == 0))
            return rule;
        c = end ? end + 1 : NULL;
    }
    return NULL;
}

/* Relative, '/'-separated, optional leading '/' (anchor) and trailing '/'
 * (directories only); no empty, "." or ".." components; no [ \ ! */
const char *jobspec_check_glob(char **s)
{
    const char *p = *s;
    if (has_ctl(p) || strpbrk(p, "[\\!"))
        return "not a valid glob (control characters, '[', '\\' and '!' are not supported)";
    if (p[0] == '/')
        p++;
    size_t n = strlen(p);
    if (n == 0)
        return "not a valid glob (empty)";
    if (p[n - 1] == '/')
        n--;
    const char *c = p, *end = p + n;
    while (c <= end) {
        const char *slash = memchr(c, '/', (size_t)(end - c));
        size_t len = slash ? (size_t)(slash - c) : (size_t)(end - c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return "not a valid glob (empty, '.' or '..' path component)";
        if (!slash)
            break;
        c = slash + 1;
    }
    return NULL;
}

static int host_label_ok(const char *l, size_t len)
{
    if (len == 0 || len > 63 || l[0] == '-' || l[len - 1] == '-')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!(islower((unsigned char)l[i]) || isdigit((unsigned char)l[i]) || l[i] == '-'))
            return 0;
    return 1;
}

/* Number of labels of a valid hostname, 0 when invalid. */
static int hostname_labels(const char *h)
{
    size_t n = strlen(h);
    int labels = 0;
    if (n == 0 || n > 253)
        return 0;
    const char *c = h, *last = h;
    for (;;) {
        const char *dot = strchr(c, '.');
        size_t len = dot ? (size_t)(dot - c) : strlen(c);
        if (!host_label_ok(c, len))
            return 0;
        labels++;
        last = c;
        if (!dot)
            break;
        c = dot + 1;
    }
    if (strspn(last, "0123456789") == strlen(last))
        return 0; /* numeric top label: a malformed IP, not a name */
    return labels;
}

static const char *canon_ip(char **s)
{
    char buf[INET6_ADDRSTRLEN + 2];
    unsigned char addr[16];
    char *p = *s;
    size_t n = strlen(p);
    int is6 = 0;
    if (n > 2 && p[0] == '[' && p[n - 1] == ']' && n - 2 < sizeof buf) {
        memcpy(buf, p + 1, n - 2);
        buf[n - 2] = '\0';
        is6 = 1;
    } else if (n < sizeof buf) {
        memcpy(buf, p, n + 1);
        is6 = strchr(buf, ':') != NULL;
    } else {
        return "x";
    }
    if (inet_pton(is6 ? AF_INET6 : AF_INET, buf, addr) != 1)
        return "x";
    if (!inet_ntop(is6 ? AF_INET6 : AF_INET, addr, buf, sizeof buf))
        return "x";
    char *c = strdup(buf);
    if (!c)
        return "out of memory";
    free(*s);
    *s = c;
    return NULL;
}

const char *jobspec_check_host(char **s)
{
    const char *rule = "not a valid hostname, *.suffix or IP literal";
    for (char *c = *s; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    const char *p = *s;
    if (strspn(p, "0123456789.") == strlen(p) || strchr(p, ':') || p[0] == '[') {
        const char *r = canon_ip(s);
        return r && strcmp(r, "x") == 0 ? rule : r;
    }
    if (strncmp(p, "*.", 2) == 0)
        return hostname_labels(p + 2) >= 2 ? NULL : "not a valid *.suffix (needs a name of two or more labels)";
    return hostname_labels(p) ? NULL : rule;
}

const char *jobspec_check_name(char **s)
{
    const char *p = *s;
    size_t n = strlen(p);
    if (n == 0 || n > 32 || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
        return "must match [a-z0-9_-]{1,32}";
    return NULL;
}

const char *jobspec_check_label_key(char **s)
{
    const char *p = *s;
    size_t n = strlen(p);
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/";
    if (n == 0 || n > 64 || strspn(p, ok) != n)
        return "label key must match [A-Za-z0-9_./-]{1,64}";
    return NULL;
}

const char *jobspec_check_token(char **s)
{
    for (const char *c = *s; *c; c++)
        if (*c < 0x21 || *c > 0x7e)
            return "must be printable ASCII without spaces";
    return NULL;
}

/* An environment name ([a-z0-9][a-z0-9._-]{0,63}) or its digest
 * (sha256:<64 lower-case hex>); see docs/ENVIRONMENTS.md. */
const char *jobspec_check_environment(char **s)
{
    const char *p = *s;
    size_t n = strlen(p);
    if (strncmp(p, "sha256:", 7) == 0)
        return n == 71 && strspn(p + 7, "0123456789abcdef") == 64 ? NULL
                                                                   : "a digest must be sha256: and 64 lower-case hex digits";
    if (n == 0 || n > 64 || !strchr("abcdefghijklmnopqrstuvwxyz0123456789", p[0]) ||
        strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
        return "must be an environment name ([a-z0-9][a-z0-9._-]{0,63}) or sha256:<64 hex>";
    return NULL;
}
