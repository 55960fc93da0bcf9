/*
 * netns_hosts.c: a bridge and N network namespaces joined to it (netns_hosts.h).
 */
#include "netns_hosts.h"
#include "proc_launch.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct netns_hosts {
    int n;
    char bridge[16];
    char gateway[24];
    char names[NETNS_HOSTS_MAX][24];
    char addrs[NETNS_HOSTS_MAX][24];
    char paths[NETNS_HOSTS_MAX][48];
};

static int s_host_add(netns_hosts_t *h, int i, int pid)
{
    char veth[16];
    snprintf(veth, sizeof veth, "alv%dh%d", pid % 10000000, i);
    if (launch_shell("ip netns add %s", h->names[i]) != 0)
        return -1;
    h->n = i + 1;   /* destroy removes it from now on */
    return launch_shell("ip link add %s type veth peer name %sp", veth, veth) ||
           launch_shell("ip link set %sp netns %s", veth, h->names[i]) ||
           launch_shell("ip link set %s master %s up", veth, h->bridge) ||
           launch_shell("ip -n %s link set %sp name eth0", h->names[i], veth) ||
           launch_shell("ip -n %s addr add %s/24 dev eth0", h->names[i], h->addrs[i]) ||
           launch_shell("ip -n %s link set eth0 up", h->names[i]) ||
           launch_shell("ip -n %s link set lo up", h->names[i]) ||
           launch_shell("ip -n %s route add default via %s", h->names[i], h->gateway) ? -1 : 0;
}

int netns_hosts_new(netns_hosts_t **out, int n)
{
    *out = NULL;
    if (n < 1 || n > NETNS_HOSTS_MAX)
        return -1;
    netns_hosts_t *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    int pid = (int)getpid();
    int net = 1 + pid % 250;   /* 10.231.<net>.0/24 */
    snprintf(h->bridge, sizeof h->bridge, "alb%d", pid % 10000000);
    snprintf(h->gateway, sizeof h->gateway, "10.231.%d.1", net);
    for (int i = 0; i < n; i++) {
        snprintf(h->names[i], sizeof h->names[i], "alh%d-%d", pid, i);
        snprintf(h->addrs[i], sizeof h->addrs[i], "10.231.%d.%d", net, 11 + i);
        snprintf(h->paths[i], sizeof h->paths[i], "/run/netns/%s", h->names[i]);
    }
    int rc = launch_shell("ip link add %s type bridge", h->bridge);
    if (rc == 0 && (launch_shell("ip addr add %s/24 dev %s", h->gateway, h->bridge) ||
                    launch_shell("ip link set %s up", h->bridge)))
        rc = -1;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = s_host_add(h, i, pid);
    if (rc != 0) {
        netns_hosts_destroy(&h);
        return -1;
    }
    *out = h;
    return 0;
}

void netns_hosts_destroy(netns_hosts_t **p)
{
    if (!p || !*p)
        return;
    netns_hosts_t *h = *p;
    for (int i = 0; i < h->n; i++)
        launch_shell("ip netns del %s", h->names[i]);   /* its veth end goes with it, and the peer */
    launch_shell("ip link del %s", h->bridge);
    free(h);
    *p = NULL;
}

const char *netns_hosts_gateway(const netns_hosts_t *h) { return h->gateway; }
const char *netns_hosts_addr(const netns_hosts_t *h, int idx) { return h->addrs[idx]; }
const char *netns_hosts_path(const netns_hosts_t *h, int idx) { return h->paths[idx]; }
