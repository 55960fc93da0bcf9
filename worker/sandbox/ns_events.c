/*
 * ns_events.c: exec events of an ns sandbox from the kernel's proc connector.
 *
 * The worker (host root, CAP_NET_ADMIN) subscribes to NETLINK_CONNECTOR /
 * CN_IDX_PROC for the duration of one command. The kernel multicasts fork, exec
 * and exit of every process on the host; we keep the set of host pids that
 * descend from the exec's helper (seeded by ns_events_track) and report each exec
 * of one of them. The workload cannot suppress these: they come from the kernel,
 * not from inside. Details (path, argv, ppid, uid) are read from /proc and may be
 * empty when the process already exited; the event itself is still reported.
 * If the socket overflows (ENOBUFS, e.g. a fork bomb), the kernel has dropped
 * events: membership falls back to the sandbox cgroup read from
 * /proc/<pid>/cgroup, a warning is logged, and the overflows are counted and
 * reported after the command as one loss marker (sandbox_exec_event_t.lost),
 * which the pipeline stores as an `exec.lost` event: the exec audit is never
 * blinded silently.
 *
 * Owns: the netlink socket and the pid set.
 */
#include "worker/sandbox/ns_internal.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EV_MAX_TRACKED 65536

struct ns_events {
    int fd;
    const ns_cgroup_t *cg;
    pid_t *pids;
    size_t n, cap;
    int lost;                  /* an overflow happened: fall back to cgroup membership */
    unsigned overflows;        /* ENOBUFS since the last loss marker */
};

static int s_subscribe(int fd, int on)
{
    /* nlmsghdr | cn_msg | proc_cn_mcast_op, laid out by hand (cn_msg ends in a
     * flexible array, so it cannot be a struct member). */
    char buf[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))];
    memset(buf, 0, sizeof buf);
    struct nlmsghdr *nl = (struct nlmsghdr *)buf;
    nl->nlmsg_len = sizeof buf;
    nl->nlmsg_type = NLMSG_DONE;
    nl->nlmsg_pid = (unsigned)getpid();
    struct cn_msg *cn = NLMSG_DATA(nl);
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(enum proc_cn_mcast_op);
    enum proc_cn_mcast_op op = on ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE;
    memcpy(cn->data, &op, sizeof op);
    return send(fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf ? 0 : -1;
}

ns_events_t *ns_events_new(const ns_cgroup_t *cg)
{
    ns_events_t *ev = calloc(1, sizeof *ev);
    if (!ev) {
        al_err_set(AL_ENOMEM, "ns events: out of memory");
        return NULL;
    }
    ev->cg = cg;
    ev->fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (ev->fd < 0) {
        al_err_set_errno(AL_ESANDBOX, "proc connector socket");
        goto fail;
    }
    int rcvbuf = sandbox_procev_rcvbuf();
    if (setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        setsockopt(ev->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0 };
    if (bind(ev->fd, (struct sockaddr *)&sa, sizeof sa) < 0 || s_subscribe(ev->fd, 1) < 0) {
        al_err_set_errno(AL_ESANDBOX, "proc connector subscribe (needs CAP_NET_ADMIN)");
        goto fail;
    }
    return ev;
fail:
    ns_events_destroy(&ev);
    return NULL;
}

int ns_events_fd(const ns_events_t *ev) { return ev->fd; }

static long s_find(const ns_events_t *ev, pid_t pid)
{
    for (size_t i = 0; i < ev->n; i++) {
        if (ev->pids[i] == pid)
            return (long)i;
    }
    return -1;
}

void ns_events_track(ns_events_t *ev, pid_t pid)
{
    if (!ev || s_find(ev, pid) >= 0)
        return;
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 64;
        pid_t *p = cap <= EV_MAX_TRACKED ? realloc(ev->pids, cap * sizeof *p) : NULL;
        if (!p) {
            ev->lost = 1;
            return;
        }
        ev->pids = p;
        ev->cap = cap;
    }
    ev->pids[ev->n++] = pid;
}

static void s_untrack(ns_events_t *ev, pid_t pid)
{
    long i = s_find(ev, pid);
    if (i >= 0)
        ev->pids[i] = ev->pids[--ev->n];
}

static void s_read_proc(pid_t pid, const char *file, char *buf, size_t size)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/%s", (int)pid, file);
    buf[0] = '\0';
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    for (ssize_t i = 0; i + 1 < n; i++) {  /* cmdline: NULs between args */
        if (buf[i] == '\0')
            buf[i] = ' ';
    }
}

static void s_report(pid_t pid, uint64_t ts_ns, sandbox_exec_event_fn fn, void *ctx)
{
    char exe_link[64], path[512] = "", argv[1024], status[2048];
    snprintf(exe_link, sizeof exe_link, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(exe_link, path, sizeof path - 1);
    path[n > 0 ? n : 0] = '\0';
    s_read_proc(pid, "cmdline", argv, sizeof argv);
    s_read_proc(pid, "status", status, sizeof status);
    const char *pp = strstr(status, "\nPPid:"), *uu = strstr(status, "\nUid:");
    /* Gone already: every tracked process that execs is the workload (the helpers
     * never exec), whose uid cannot change (no capabilities, no_new_privs). */
    long uid = uu ? strtol(uu + 5, NULL, 10) : (long)(NS_HOST_ID_BASE + NS_WORKLOAD_ID);
    if (uid >= (long)NS_HOST_ID_BASE)
        uid -= (long)NS_HOST_ID_BASE;
    struct timespec mono, real;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    uint64_t mono_ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
    uint64_t real_us = (uint64_t)real.tv_sec * 1000000u + (uint64_t)real.tv_nsec / 1000u;
    uint64_t age_us = mono_ns > ts_ns ? (mono_ns - ts_ns) / 1000u : 0;
    sandbox_exec_event_t e = { (int)pid, pp ? (int)strtol(pp + 6, NULL, 10) : 0, (int)uid,
                               real_us - age_us, path, argv, 0 };
    fn(ctx, &e);
}

static void s_handle(ns_events_t *ev, const struct proc_event *pe, sandbox_exec_event_fn fn,
                     void *ctx)
{
    switch (pe->what) {
    case PROC_EVENT_FORK:
        if (pe->event_data.fork.child_pid == pe->event_data.fork.child_tgid &&
            s_find(ev, pe->event_data.fork.parent_tgid) >= 0)
            ns_events_track(ev, pe->event_data.fork.child_tgid);
        break;
    case PROC_EVENT_EXEC: {
        pid_t p = pe->event_data.exec.process_tgid;
        if (s_find(ev, p) >= 0 || (ev->lost && ns_cgroup_has_pid(ev->cg, p)))
            s_report(p, pe->timestamp_ns, fn, ctx);
        break;
    }
    case PROC_EVENT_EXIT:
        if (pe->event_data.exit.process_pid == pe->event_data.exit.process_tgid)
            s_untrack(ev, pe->event_data.exit.process_tgid);
        break;
    default:
        break;
    }
}

void ns_events_drain(ns_events_t *ev, sandbox_exec_event_fn fn, void *ctx)
{
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    for (;;) {
        ssize_t n = recv(ev->fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == ENOBUFS) {
                if (!ev->lost)
                    al_warn("sandbox.ns.events", "msg=\"proc connector overflow; "
                            "falling back to cgroup membership\"");
                ev->lost = 1;
                if (ev->overflows < UINT_MAX)
                    ev->overflows++;
                continue;
            }
            return;
        }
        for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
             nh = NLMSG_NEXT(nh, n)) {
            if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_NOOP)
                continue;
            struct cn_msg *cn = NLMSG_DATA(nh);
            if (cn->id.idx != CN_IDX_PROC || cn->len < sizeof(struct proc_event))
                continue;
            struct proc_event pe; /* cn->data is only 4-byte aligned */
            memcpy(&pe, cn->data, sizeof pe);
            s_handle(ev, &pe, fn, ctx);
        }
    }
}

void ns_events_report_lost(ns_events_t *ev, sandbox_exec_event_fn fn, void *ctx)
{
    if (!ev || !ev->overflows || !fn)
        return;
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    sandbox_exec_event_t e = { .ts_us = (uint64_t)real.tv_sec * 1000000u + (uint64_t)real.tv_nsec / 1000u,
                               .lost = ev->overflows };
    ev->overflows = 0;
    fn(ctx, &e);
}

void ns_events_destroy(ns_events_t **p)
{
    if (!p || !*p)
        return;
    ns_events_t *ev = *p;
    *p = NULL;
    if (ev->fd >= 0) {
        s_subscribe(ev->fd, 0);
        close(ev->fd);
    }
    free(ev->pids);
    free(ev);
}
