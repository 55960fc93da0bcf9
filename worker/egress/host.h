/*
 * host.h: host names for the egress proxy: validation, normalization,
 * IP-literal detection and allowlist matching. Internal to worker/egress
 * (tests include it). Pure functions, no allocation except the allowlist.
 */
#ifndef AIRLOCK_EGRESS_HOST_H
#define AIRLOCK_EGRESS_HOST_H

#include <stdbool.h>
#include <stddef.h>

#define EGRESS_HOST_MAX 254 /* 253 characters + NUL */

typedef enum {
    EGRESS_HOST_INVALID = 0,
    EGRESS_HOST_NAME,   /* a DNS name: [a-z0-9-_] labels of 1..63, total <= 253 */
    EGRESS_HOST_IP,     /* any form inet_aton or inet_pton accepts, incl. "[v6]", "0x7f.1", "2130706433" */
} egress_host_kind_t;

/* Copies `len` bytes of `host` into out lowercased, without one trailing dot,
 * and with the brackets of "[v6]" kept. Returns its kind; INVALID for bad
 * characters, empty labels or over-long names. */
egress_host_kind_t egress_host_normalize(const char *host, size_t len, char out[EGRESS_HOST_MAX]);

typedef struct egress_allowlist egress_allowlist_t;

/* Copies and normalizes the patterns. AL_EINVAL names the bad entry. */
int egress_allowlist_new(egress_allowlist_t **out, const char *const *patterns, size_t n);
void egress_allowlist_destroy(egress_allowlist_t **p);

/* host must be normalized. Names match exact entries and "*.suffix" entries
 * (any depth, never the bare suffix); IP literals match only an identical
 * exact entry. */
bool egress_allowlist_match(const egress_allowlist_t *al, const char *host, egress_host_kind_t kind);

struct sockaddr;
/* True when an address a resolved name must not reach unless the config
 * allows private addresses: loopback, private, link-local, shared (CGNAT),
 * multicast and reserved ranges, and every IPv6 form that embeds or
 * translates to IPv4 (docs/EGRESS.md lists them). Families other than
 * AF_INET and AF_INET6 are refused too. */
bool egress_addr_private(const struct sockaddr *sa);

/* True when a and b are equal ignoring ASCII case and one trailing dot each. */
bool egress_host_equal(const char *a, const char *b);

#endif
