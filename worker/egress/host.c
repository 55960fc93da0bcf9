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
#include <netinet/in.h>
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

/* IPv4 special-purpose ranges (IANA registry) that are not the public
 * internet, as (prefix, length). */
static const struct {
    uint32_t net;
    unsigned len;
} s_v4_ranges[] = {
    { 0x00000000, 8 },  /* "this network" */
    { 0x0a000000, 8 },  /* private */
    { 0x64400000, 10 }, /* shared address space (CGNAT) */
    { 0x7f000000, 8 },  /* loopback */
    { 0xa9fe0000, 16 }, /* link-local, cloud metadata */
    { 0xac100000, 12 }, /* private */
    { 0xc0000000, 24 }, /* IETF protocol assignments (incl. NAT64 discovery) */
    { 0xc0000200, 24 }, /* TEST-NET-1 */
    { 0xc0586300, 24 }, /* 6to4 relay anycast */
    { 0xc0a80000, 16 }, /* private */
    { 0xc6120000, 15 }, /* benchmarking */
    { 0xc6336400, 24 }, /* TEST-NET-2 */
    { 0xcb007100, 24 }, /* TEST-NET-3 */
    { 0xe0000000, 4 },  /* multicast */
    { 0xf0000000, 4 },  /* reserved, broadcast */
};

static bool s_v4_private(uint32_t a)
{
    for (size_t i = 0; i < sizeof s_v4_ranges / sizeof *s_v4_ranges; i++)
        if ((a & (0xffffffffu << (32 - s_v4_ranges[i].len))) == s_v4_ranges[i].net)
            return true;
    return false;
}

/* IPv6 ranges refused whole: a NAT64, 6to4 or Teredo address reaches IPv4
 * (any of it, the worker's network included) through a translator. */
static const struct {
    uint8_t net[4];
    unsigned len;
} s_v6_ranges[] = {
    { { 0x00, 0x64, 0xff, 0x9b }, 32 }, /* 64:ff9b::/96 NAT64 and 64:ff9b:1::/48 local NAT64 */
    { { 0x01, 0x00, 0x00, 0x00 }, 16 }, /* 100::/64 discard (whole 100::/16, unassigned) */
    { { 0x20, 0x01, 0x00, 0x00 }, 23 }, /* 2001::/23 IETF: Teredo, benchmarking, ORCHID */
    { { 0x20, 0x01, 0x0d, 0xb8 }, 32 }, /* documentation */
    { { 0x20, 0x02, 0x00, 0x00 }, 16 }, /* 6to4 */
    { { 0x3f, 0xff, 0x00, 0x00 }, 20 }, /* documentation */
    { { 0x5f, 0x00, 0x00, 0x00 }, 16 }, /* SRv6 SIDs */
    { { 0xfc, 0x00, 0x00, 0x00 }, 7 },  /* unique local */
    { { 0xfe, 0x80, 0x00, 0x00 }, 10 }, /* link-local */
    { { 0xfe, 0xc0, 0x00, 0x00 }, 10 }, /* site-local (deprecated) */
    { { 0xff, 0x00, 0x00, 0x00 }, 8 },  /* multicast */
};

static bool s_v6_private(const struct in6_addr *a)
{
    uint32_t top = (uint32_t)a->s6_addr[0] << 24 | (uint32_t)a->s6_addr[1] << 16 |
                   (uint32_t)a->s6_addr[2] << 8 | a->s6_addr[3];
    for (size_t i = 0; i < sizeof s_v6_ranges / sizeof *s_v6_ranges; i++) {
        const uint8_t *n = s_v6_ranges[i].net;
        uint32_t net = (uint32_t)n[0] << 24 | (uint32_t)n[1] << 16 | (uint32_t)n[2] << 8 | n[3];
        if ((top & (0xffffffffu << (32 - s_v6_ranges[i].len))) == net)
            return true;
    }
    static const uint8_t zero[12];
    /* ::/96 (unspecified, loopback, IPv4-compatible) refused whole */
    return memcmp(a->s6_addr, zero, 12) == 0;
}

bool egress_addr_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return s_v4_private(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family != AF_INET6)
        return true;
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a)) {
        uint32_t v4;
        memcpy(&v4, a->s6_addr + 12, 4);
        return s_v4_private(ntohl(v4));
    }
    return s_v6_private(a);
}
