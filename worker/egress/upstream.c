/*
 * upstream.c: name resolution and the upstream TCP connection.
 *
 * The proxy is the only resolver the sandbox has. Overrides from the config
 * win (tests, demo); otherwise getaddrinfo(), and answers in loopback,
 * private, link-local, CGNAT or unspecified ranges are dropped unless the
 * config allows them (an allowed name must not become a door to the
 * worker's own network). Each remaining address is tried with a
 * non-blocking connect bounded by the idle timeout. The fd goes to c->ufd.
 */
#include "worker/egress/egress_priv.h"

#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* 0 connected, -1 failed. */
static int s_connect_one(egress_conn_t *c, const struct sockaddr *sa, socklen_t salen)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1, err = 0;
    socklen_t elen = sizeof err;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, sa, salen) < 0) {
        if (errno != EINPROGRESS ||
            egress_io_wait(c->px, fd, POLLOUT, (int)c->px->lim.idle_timeout_ms) != 1 ||
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0) {
            close(fd);
            return -1;
        }
    }
    c->ufd = fd;
    return 0;
}

static const char *s_override(egress_conn_t *c, const egress_resolve_t *r)
{
    struct sockaddr_in sin = { .sin_family = AF_INET };
    struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
    uint16_t port = r->port ? r->port : c->head.port;
    if (inet_pton(AF_INET, r->ip, &sin.sin_addr) == 1) {
        sin.sin_port = htons(port);
        return s_connect_one(c, (struct sockaddr *)&sin, sizeof sin) == 0 ? NULL
                                                                           : "connect_failed";
    }
    if (inet_pton(AF_INET6, r->ip, &sin6.sin6_addr) == 1) {
        sin6.sin6_port = htons(port);
        return s_connect_one(c, (struct sockaddr *)&sin6, sizeof sin6) == 0 ? NULL
                                                                             : "connect_failed";
    }
    return "resolve_failed";
}

const char *egress_upstream_open(egress_conn_t *c)
{
    egress_proxy_t *px = c->px;
    const egress_head_t *h = &c->head;
    for (size_t i = 0; i < px->resolve_len; i++)
        if (strcmp(px->resolve[i].host, h->host) == 0)
            return s_override(c, &px->resolve[i]);
    char host[EGRESS_HOST_MAX], port[8];
    size_t hl = strlen(h->host);
    if (h->host[0] == '[') { /* listed IPv6 literal */
        memcpy(host, h->host + 1, hl - 2);
        host[hl - 2] = '\0';
    } else {
        memcpy(host, h->host, hl + 1);
    }
    snprintf(port, sizeof port, "%u", h->port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = h->kind == EGRESS_HOST_IP ? AI_NUMERICHOST : 0 };
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0 || !res) {
        al_debug("egress.resolve_failed", "task=%s host=%s why=\"%s\"", px->task_id, h->host,
                 gai_strerror(gai));
        return "resolve_failed";
    }
    const char *why = "private_address";
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (h->kind == EGRESS_HOST_NAME && !px->allow_private && egress_addr_private(ai->ai_addr))
            continue;
        why = "connect_failed";
        if (s_connect_one(c, ai->ai_addr, ai->ai_addrlen) == 0) {
            why = NULL;
            break;
        }
        if (egress_stopping(px))
            break;
    }
    freeaddrinfo(res);
    return why;
}
