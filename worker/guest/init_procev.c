/*
 * init_procev.c: exec auditing for airlock-init through the kernel's proc
 * connector (NETLINK_CONNECTOR, CN_IDX_PROC, PROC_EVENT_EXEC).
 *
 * The socket is owned by PID 1 (root); the workload runs unprivileged and can
 * neither close nor unsubscribe it, so every execve in the guest reaches the
 * host as an EXEC_EVENT frame carrying pid, ppid, uid, the executable and a
 * bounded argv string read from /proc/<pid>/.
 *
 * When the socket overflows (ENOBUFS: an exec burst faster than PID 1 reads),
 * the kernel has dropped events. That is never silent: the overflows are
 * counted and, after the command, reported to the host as one EXEC_LOST frame,
 * which ends up as an `exec.lost` event in the task's record. The receive
 * buffer is 4 MiB, or airlock.procev_rcvbuf=N on the kernel command line (a
 * test knob the host sets from AIRLOCK_PROCEV_RCVBUF).
 */
#include "worker/guest/init.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define ARGS_MAX 1024

/* 4 MiB, or the airlock.procev_rcvbuf=N of the kernel command line. */
static int s_rcvbuf(void)
{
    char buf[2048];
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    const char *k = strstr(buf, "airlock.procev_rcvbuf=");
    long v = k ? strtol(k + strlen("airlock.procev_rcvbuf="), NULL, 10) : 0;
    return v > 0 && v <= (4 << 20) ? (int)v : 4 << 20;
}

int init_procev_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd < 0)
        return -1;
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 1 };
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        goto fail;
    int rcvbuf = s_rcvbuf();
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    struct {
        struct nlmsghdr nl;
        struct cn_msg cn;
        enum proc_cn_mcast_op op;
    } __attribute__((packed)) req;
    memset(&req, 0, sizeof req);
    req.nl.nlmsg_len = sizeof req;
    req.nl.nlmsg_type = NLMSG_DONE;
    req.nl.nlmsg_pid = 1;
    req.cn.id.idx = CN_IDX_PROC;
    req.cn.id.val = CN_VAL_PROC;
    req.cn.len = sizeof req.op;
    req.op = PROC_CN_MCAST_LISTEN;
    if (send(fd, &req, sizeof req, 0) < 0)
        goto fail;
    return fd;
fail:
    close(fd);
    return -1;
}

static size_t s_read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    return n;
}

static void s_status_field(const char *status, const char *key, int64_t *out)
{
    const char *p = strstr(status, key);
    if (p)
        *out = strtoll(p + strlen(key), NULL, 10);
}

static void s_send_event(init_ctx_t *c, int pid)
{
    char path[64], exe[512] = "", args[ARGS_MAX + 1], status[2048];
    agent_msg_t ev = { .type = AGENT_MSG_EXEC_EVENT, .id = c->cur_id, .pid = pid, .ppid = -1, .uid = -1 };
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    size_t rl = strlen(c->root);   /* a chrooted command's path, as it sees it */
    if (rl && strncmp(exe, c->root, rl) == 0 && exe[rl] == '/')
        memmove(exe, exe + rl, strlen(exe + rl) + 1);
    snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
    size_t an = s_read_small(path, args, ARGS_MAX);
    for (size_t i = 0; i < an; i++)
        if (args[i] == '\0')
            args[i] = ' ';
    while (an > 0 && args[an - 1] == ' ')
        an--;
    args[an] = '\0';
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    size_t sn = s_read_small(path, status, sizeof status - 1);
    status[sn] = '\0';
    s_status_field(status, "PPid:", &ev.ppid);
    s_status_field(status, "Uid:", &ev.uid);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    ev.ts_us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
    ev.text = exe;
    ev.args = args;
    if (agent_frame_send(c->port, &ev) < 0)
        init_log("exec event not sent: %s", al_err_msg());
}

void init_procev_drain(init_ctx_t *c)
{
    if (c->procev < 0)
        return;
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    for (;;) {
        ssize_t n = recv(c->procev, buf, sizeof buf, 0);
        if (n < 0 && errno == ENOBUFS) {   /* events were dropped: count, read on */
            c->procev_lost++;
            continue;
        }
        if (n <= 0)
            return;
        for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
             nh = NLMSG_NEXT(nh, n)) {
            if (nh->nlmsg_type == NLMSG_NOOP || nh->nlmsg_type == NLMSG_ERROR)
                continue;
            struct cn_msg *cn = NLMSG_DATA(nh);
            if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
                continue;
            struct proc_event *pe = (struct proc_event *)cn->data;
            if (pe->what != PROC_EVENT_EXEC)
                continue;
            int pid = pe->event_data.exec.process_tgid;
            if (pid != 1)
                s_send_event(c, pid);
        }
    }
}

void init_procev_report_lost(init_ctx_t *c, uint64_t id)
{
    if (!c->procev_lost)
        return;
    agent_msg_t m = { .type = AGENT_MSG_EXEC_LOST, .id = id, .lost = c->procev_lost };
    c->procev_lost = 0;
    if (agent_frame_send(c->port, &m) < 0)
        init_log("exec loss not sent: %s", al_err_msg());
}
