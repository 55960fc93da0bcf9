/*
 * stdio_connect.c: airlock-stdio-connect SOCKET — connects its stdin/stdout to
 * the unix stream socket SOCKET and copies bytes both ways until both
 * directions end. qemu starts it once per guest connection as the `cmd:` of a
 * user-net `guestfwd`, so the guest's 10.0.2.100:3128 reaches the task's
 * egress proxy (worker/egress) and nothing else. Owns nothing beyond its fds.
 * Exit: 0 after a clean end, 1 on a connect or I/O error, 2 on usage.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int s_connect(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "airlock-stdio-connect: socket path too long\n");
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        fprintf(stderr, "airlock-stdio-connect: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Copies one chunk from `from` to `to`. 1 = copied, 0 = EOF, -1 = error. */
static int s_copy(int from, int to)
{
    char buf[65536];
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : -1;
    if (n == 0)
        return 0;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w < 0 && errno != EINTR)
            return -1;
        off += w > 0 ? w : 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: airlock-stdio-connect SOCKET\n");
        return 2;
    }
    int sock = s_connect(argv[1]);
    if (sock < 0)
        return 1;
    int in_open = 1, sock_open = 1, rc = 0;
    while (sock_open) {
        struct pollfd p[2] = { { .fd = in_open ? 0 : -1, .events = POLLIN }, { .fd = sock, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = 1;
            break;
        }
        if (in_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            int r = s_copy(0, sock);
            if (r <= 0) {
                in_open = 0;
                shutdown(sock, SHUT_WR);
                rc = r < 0;
            }
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            int r = s_copy(sock, 1);
            if (r <= 0) {
                sock_open = 0;
                rc = rc || r < 0;
            }
        }
    }
    close(sock);
    return rc;
}
