/*
 * io.c: waiting and writing on the egress proxy's sockets, a leaf below the
 * proxy and its connections: every wait also watches the proxy's stop fd
 * (readable once egress_proxy_destroy starts), so no connection thread
 * outlives the task's stop by more than one poll. Owns nothing.
 */
#include "worker/egress/egress_priv.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

bool egress_stopping(const egress_proxy_t *px)
{
    struct pollfd pfd = { .fd = px->stopfd, .events = POLLIN };
    return poll(&pfd, 1, 0) > 0;
}

int egress_io_wait(egress_proxy_t *px, int fd, short events, int timeout_ms)
{
    for (;;) {
        struct pollfd pfd[2] = { { .fd = fd, .events = events },
                                 { .fd = px->stopfd, .events = POLLIN } };
        int n = poll(pfd, 2, timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || pfd[1].revents)
            return -1;
        return n == 0 ? 0 : 1;
    }
}

int egress_io_write_all(egress_proxy_t *px, int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            return -1;
        } else if (n < 0 && errno == EAGAIN &&
                   egress_io_wait(px, fd, POLLOUT, (int)px->lim.idle_timeout_ms) != 1) {
            return -1;
        }
    }
    return 0;
}
