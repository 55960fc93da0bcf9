/*
 * ns_fwd.c: the egress forwarder of an ns sandbox.
 *
 * The sandbox's network namespace has only lo. When the task may reach its
 * egress proxy, a forwarder process (forked from the worker, its own process
 * group) joins that network namespace only — it stays in the host's mount
 * namespace, so it can still reach the proxy's unix socket by path — and listens
 * on 127.0.0.1:NS_PROXY_PORT. Each accepted connection is relayed byte for byte
 * to a fresh connection to the proxy socket by a forked child; the forwarder
 * never parses the traffic (the proxy does, and authenticates the task token), and
 * runs without any capability once it listens. At most NS_FWD_MAX_RELAYS relays
 * live at once: beyond that the forwarder stops accepting (connections wait in
 * the listen backlog, then the kernel drops them), so a connection flood from
 * the sandbox is not a process flood on the host. The forwarder and its relays
 * live in the sandbox's cgroup (ns.c), under its pids and memory limits.
 * It exits when the worker goes away (lifeline EOF) or on ns_fwd_stop().
 *
 * Owns: the forwarder process group.
 */
#include "worker/sandbox/ns_internal.h"
#include "common/error.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Relay both directions until both are closed (child side). */
static void __attribute__((noreturn)) s_relay(int a, int b)
{
    char buf[16384];
    int open_ab = 1, open_ba = 1;
    while (open_ab || open_ba) {
        struct pollfd p[2] = { { open_ab ? a : -1, POLLIN, 0 }, { open_ba ? b : -1, POLLIN, 0 } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (!p[i].revents)
                continue;
            int from = i == 0 ? a : b, to = i == 0 ? b : a;
            ssize_t n = read(from, buf, sizeof buf);
            ssize_t off = 0;
            while (n > 0 && off < n) {
                ssize_t w = write(to, buf + off, (size_t)(n - off));
                if (w <= 0)
                    _exit(0);
                off += w;
            }
            if (n <= 0) {
                shutdown(to, SHUT_WR);
                if (i == 0)
                    open_ab = 0;
                else
                    open_ba = 0;
            }
        }
    }
    _exit(0);
}

/* The forwarder parses nothing, but it handles bytes from the sandbox: it keeps
 * host uid 0 (the proxy socket is root's, mode 0600) and gives up every capability. */
static int s_drop_caps(void)
{
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            return -1;
    }
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    return 0;
}

static int s_connect_unix(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path)
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Accepts and relays until the lifeline closes; never more than
 * NS_FWD_MAX_RELAYS relays at once (sfd: a signalfd for SIGCHLD). */
static void s_fwd_loop(int ls, int life_fd, int sfd, const char *path)
{
    int live = 0;
    for (;;) {
        struct pollfd p[3] = { { live < NS_FWD_MAX_RELAYS ? ls : -1, POLLIN, 0 }, { life_fd, POLLIN, 0 },
                               { sfd, POLLIN, 0 } };
        if (poll(p, 3, -1) < 0 && errno != EINTR)
            return;
        if (p[1].revents)
            return; /* worker gone */
        if (p[2].revents) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
            }
            while (waitpid(-1, NULL, WNOHANG) > 0)
                live--;
        }
        if (!(p[0].revents & POLLIN))
            continue;
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            continue;
        pid_t r = fork();
        if (r == 0) {
            close(ls);
            int u = s_connect_unix(path);
            if (u < 0)
                _exit(0);  /* closing c tells the client the proxy is unreachable */
            s_relay(c, u);
        }
        live += r > 0;
        close(c);
    }
}

static void __attribute__((noreturn)) s_fwd_main(int netns_fd, int life_fd, int ready_fd,
                                                  const char *path)
{
    int fds[3] = { netns_fd, life_fd, ready_fd };
    ns_stdio_null();
    if (ns_fds_keep(fds, 3) < 0 || setpgid(0, 0) < 0)
        _exit(1);
    if (setns(fds[0], CLONE_NEWNET) < 0) {
        ns_child_say(fds[2], "forwarder setns", NULL, errno);
        _exit(1);
    }
    close(fds[0]);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(NS_PROXY_PORT),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 64) < 0) {
        ns_child_say(fds[2], "forwarder listen on 127.0.0.1:3128", NULL, errno);
        _exit(1);
    }
    if (s_drop_caps() < 0) {
        ns_child_say(fds[2], "forwarder drop capabilities", NULL, errno);
        _exit(1);
    }
    signal(SIGPIPE, SIG_IGN);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    int sfd = sigprocmask(SIG_BLOCK, &chld, NULL) == 0 ? signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK) : -1;
    if (sfd < 0) {
        ns_child_say(fds[2], "forwarder signalfd", NULL, errno);
        _exit(1);
    }
    if (write(fds[2], "K", 1) != 1)
        _exit(1);
    close(fds[2]);
    s_fwd_loop(ls, fds[1], sfd, path);
    kill(0, SIGKILL);
    _exit(0);
}

int ns_fwd_start(pid_t *pid_out, int netns_fd, int lifeline_fd, const char *socket_path)
{
    *pid_out = -1;
    struct sockaddr_un probe;
    if (strlen(socket_path) >= sizeof probe.sun_path)
        return al_err_set(AL_EINVAL, "egress_socket path too long (%zu bytes, max %zu)",
                          strlen(socket_path), sizeof probe.sun_path - 1);
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return al_err_set_errno(AL_ESANDBOX, "forwarder pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(ready[0]);
        close(ready[1]);
        return al_err_set_errno(AL_ESANDBOX, "fork forwarder");
    }
    if (pid == 0)
        s_fwd_main(netns_fd, lifeline_fd, ready[1], socket_path);
    close(ready[1]);
    char msg[256];
    ssize_t n = read(ready[0], msg, sizeof msg - 1);
    close(ready[0]);
    if (n == 1 && msg[0] == 'K') {
        *pid_out = pid;
        return 0;
    }
    msg[n > 0 ? n : 0] = '\0';
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return al_err_set(AL_ESANDBOX, "egress forwarder failed: %s", n > 0 ? msg : "no report");
}

void ns_fwd_stop(pid_t *pid)
{
    if (!pid || *pid <= 0)
        return;
    kill(-*pid, SIGKILL);
    while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
        ;
    *pid = -1;
}
