/*
 * host.c: host-name validation, IP-literal detection and the allowlist.
 *
 * Anything that some resolver might read as an address counts as an IP
 * literal: dotted quads, the short and hex forms inet_aton() accepts
 * ("127.1", "0x7f.0.0.1", "2130706433"), bracketed or bare IPv6, and names
 * whose last label is all digits. The allowlist owns copies of its patterns.
 */
#include "worker/egress/host.h"

#include "common/error.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct egress_allowlist {
    size_t n;
    char (*pat)[EGRESS_HOST_MAX]; /* normalized; "*.x" keeps its "*." */
    egress_host_kind_t *kind;
};

static bool s_is_ip(const char *h)
{
    struct in_addr a4;
    struct in6_addr a6;
    char tmp[EGRESS_HOST_MAX];
    size_t len = strlen(h);
    if (len >= 2 && h[0] == '[' && h[len - 1] == ']') {
        memcpy(tmp, h + 1, len - 2);
        tmp[len - 2] = '\0';
        return inet_pton(AF_INET6, tmp, &a6) == 1;
    }
    if (inet_aton(h, &a4) != 0 || inet_pton(AF_INET6, h, &a6) == 1)
        return true;
    const char *last = strrchr(h, '.');
    last = last ? last + 1 : h;
    if (!*last)
        return false;
    for (const char *p = last; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    return true;
}

static bool s_name_valid(const char *h)
{
    size_t label = 0;
    for (const char *p = h; *p; p++) {
        char c = *p;
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok || ++label > 63)
            return false;
    }
    return label > 0;
}

egress_host_kind_t egress_host_normalize(const char *host, size_t len, char out[EGRESS_HOST_MAX])
{
    out[0] = '\0';
    if (!host || len == 0 || len >= EGRESS_HOST_MAX)
        return EGRESS_HOST_INVALID;
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        if (c == '\0')
            return EGRESS_HOST_INVALID;
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    if (len > 1 && out[len - 1] == '.' && out[0] != '[')
        len--;
    out[len] = '\0';
    if (s_is_ip(out))
        return EGRESS_HOST_IP;
    if (strlen(out) > 253 || !s_name_valid(out)) {
        out[0] = '\0';
        return EGRESS_HOST_INVALID;
    }
    return EGRESS_HOST_NAME;
}

bool egress_host_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 0 && a[la - 1] == '.')
        la--;
    if (lb > 0 && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

static int s_pattern_add(egress_allowlist_t *al, const char *pat)
{
    size_t i = al->n;
    bool wild = strncmp(pat, "*.", 2) == 0;
    const char *body = wild ? pat + 2 : pat;
    egress_host_kind_t k = egress_host_normalize(body, strlen(body), al->pat[i]);
    if (k == EGRESS_HOST_INVALID || (wild && k == EGRESS_HOST_IP))
        return al_err_set(AL_EINVAL, "field allowlist[%zu] is not a host name, *.suffix or IP", i);
    if (wild) {
        size_t bl = strlen(al->pat[i]);
        if (bl + 3 > EGRESS_HOST_MAX)
            return al_err_set(AL_EINVAL, "field allowlist[%zu] is too long", i);
        memmove(al->pat[i] + 2, al->pat[i], bl + 1);
        al->pat[i][0] = '*';
        al->pat[i][1] = '.';
    }
    al->kind[i] = k;
    al->n++;
    return AL_OK;
}

int egress_allowlist_new(egress_allowlist_t **out, const char *const *patterns, size_t n)
{
    int rc = AL_OK;
    *out = NULL;
    egress_allowlist_t *al = calloc(1, sizeof *al);
    if (!al)
        return al_err_set(AL_ENOMEM, "allowlist");
    al->pat = calloc(n ? n : 1, sizeof *al->pat);
    al->kind = calloc(n ? n : 1, sizeof *al->kind);
    if (!al->pat || !al->kind) {
        rc = al_err_set(AL_ENOMEM, "allowlist of %zu entries", n);
        goto done;
    }
    for (size_t i = 0; i < n && rc == AL_OK; i++)
        rc = patterns[i] ? s_pattern_add(al, patterns[i])
                         : al_err_set(AL_EINVAL, "field allowlist[%zu] is NULL", i);
done:
    if (rc < 0)
        egress_allowlist_destroy(&al);
    *out = al;
    return rc;
}

void egress_allowlist_destroy(egress_allowlist_t **p)
{
    if (!p || !*p)
        return;
    free((*p)->pat);
    free((*p)->kind);
    free(*p);
    *p = NULL;
}

bool egress_allowlist_match(const egress_allowlist_t *al, const char *host, egress_host_kind_t kind)
{
    size_t hl = strlen(host);
    for (size_t i = 0; al && i < al->n; i++) {
        const char *pat = al->pat[i];
        if (strcmp(pat, host) == 0 && al->kind[i] == kind)
            return true;
        if (kind != EGRESS_HOST_NAME || pat[0] != '*')
            continue;
        size_t sl = strlen(pat + 1); /* ".suffix" */
        if (hl > sl && strcmp(host + hl - sl, pat + 1) == 0)
            return true;
    }
    return false;
}
