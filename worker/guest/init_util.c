/*
 * init_util.c: airlock-init's small helpers that every part of the guest
 * agent uses (its log line, writing a small file, the OK/ERROR replies,
 * interface ioctls, finding a virtio-serial port by name). A leaf: it calls
 * nothing else of the agent, so init.c, init_exec.c, init_procev.c and
 * egress_fwd.c all sit above it.
 */
#include "worker/guest/init.h"
#include "common/error.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

void init_log(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    dprintf(2, "airlock-init: %s\n", buf);
}

int init_write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    ssize_t w = write(fd, text, n);
    int e = errno;
    close(fd);
    errno = e;
    return w == (ssize_t)n ? 0 : -1;
}

void init_reply_ok(init_ctx_t *c, uint64_t id)
{
    agent_msg_t m = { .type = AGENT_MSG_OK, .id = id };
    if (agent_frame_send(c->port, &m) < 0)
        init_log("reply not sent: %s", al_err_msg());
}

void init_reply_err(init_ctx_t *c, uint64_t id, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    agent_msg_t m = { .type = AGENT_MSG_ERROR, .id = id, .text = buf };
    if (agent_frame_send(c->port, &m) < 0)
        init_log("reply not sent: %s", al_err_msg());
}

int init_ifreq(int s, const char *name, unsigned long req, const char *addr)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (addr) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
        sin->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &sin->sin_addr);
        return ioctl(s, req, &ifr);
    }
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return -1;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(s, SIOCSIFFLAGS, &ifr);
}

int init_open_port(const char *want)
{
    DIR *d = opendir("/sys/class/virtio-ports");
    if (!d)
        return -1;
    struct dirent *e;
    int fd = -1;
    while (fd < 0 && (e = readdir(d))) {
        char path[300], name[64] = "";
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
        int nf = open(path, O_RDONLY | O_CLOEXEC);
        if (nf < 0)
            continue;
        ssize_t n = read(nf, name, sizeof name - 1);
        close(nf);
        size_t wl = strlen(want);
        if (n > 0 && strncmp(name, want, wl) == 0 && (name[wl] == '\n' || name[wl] == '\0')) {
            snprintf(path, sizeof path, "/dev/%s", e->d_name);
            fd = open(path, O_RDWR | O_CLOEXEC);
        }
    }
    closedir(d);
    return fd;
}
