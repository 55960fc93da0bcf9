/*
 * netns_hosts.h: several "machines" on this one for tests: a bridge on this
 * host with an address of its own, and N network namespaces each joined to it
 * by a veth pair (eth0 inside), each with its own address on the bridge's /24,
 * its own loopback and a default route via the bridge. A process in host i
 * reaches this host only at the bridge's address, never over loopback.
 *
 * Made with iproute2 (`ip`), named after the test's pid so that runs do not
 * meet. Ownership: netns_hosts_new() returns hosts the caller removes with
 * netns_hosts_destroy() (NULL-safe, nulls *p): namespaces, veths and bridge.
 */
#ifndef AIRLOCK_TEST_NETNS_HOSTS_H
#define AIRLOCK_TEST_NETNS_HOSTS_H

#define NETNS_HOSTS_MAX 8

typedef struct netns_hosts netns_hosts_t;

/* 0, or -1 with the failing command on stderr (whatever was made is removed). */
int netns_hosts_new(netns_hosts_t **out, int n);
void netns_hosts_destroy(netns_hosts_t **p);

/* This host's address on the bridge ("10.231.K.1"). */
const char *netns_hosts_gateway(const netns_hosts_t *h);
/* Host idx's address ("10.231.K.<11 + idx>") and its namespace's path
 * (/run/netns/<name>, for nsenter --net= or setns). */
const char *netns_hosts_addr(const netns_hosts_t *h, int idx);
const char *netns_hosts_path(const netns_hosts_t *h, int idx);

#endif
