/*
 * egress_fwd.c: the guest end of a microVM's egress (AGENT_MSG_EGRESS).
 *
 * The VM has no network device. When the host binds the sandbox to its task's
 * egress proxy, airlock-init puts 10.0.2.100/32 on lo (alias lo:1), listens on
 * 10.0.2.100:3128 (the address in the workload's http_proxy) and forks one
 * forwarder process: it opens the virtio-serial port named "egress", drops to
 * uid/gid 65534 and multiplexes every accepted connection over that port
 * (egress_mux.h) to the worker's relay, which dials the task's proxy socket.
 * The forwarder stays in the root cgroup, outside the workload's; it ends
 * when the host closes the port. Owns the forwarder process (its pid in
 * init_ctx_t; init_reap reaps it).
 */
#include "worker/guest/init.h"
#include "worker/guest/egress_mux.h"
#include "common/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FWD_ADDR "10.0.2.100"
#define FWD_PORT 3128
#define FWD_UID 65534
#define FWD_BACKLOG 128

static int s_listen(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int rc = init_ifreq(s, "lo:1", SIOCSIFADDR, FWD_ADDR);
    if (rc == 0)
        rc = init_ifreq(s, "lo:1", SIOCSIFNETMASK, "255.255.255.255");
    close(s);
    if (rc < 0)
        return -1;
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(FWD_PORT) };
    inet_pton(AF_INET, FWD_ADDR, &sa.sin_addr);
    int one = 1;
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, FWD_BACKLOG) < 0) {
        int e = errno;
        if (ls >= 0)
            close(ls);
        errno = e;
        return -1;
    }
    return ls;
}

/* Child: everything but the port and the listening socket closed, no root. */
static void __attribute__((noreturn)) s_forwarder(int port, int ls)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int fds[2] = { fcntl(port, F_DUPFD_CLOEXEC, 100), fcntl(ls, F_DUPFD_CLOEXEC, 100) };
    if (fds[0] < 0 || fds[1] < 0 || dup2(fds[0], 3) < 0 || dup2(fds[1], 4) < 0)
        _exit(1);
    syscall(SYS_close_range, 5, ~0u, 0);
    gid_t g = FWD_UID;
    if (setgroups(1, &g) < 0 || setresgid(FWD_UID, FWD_UID, FWD_UID) < 0 || setresuid(FWD_UID, FWD_UID, FWD_UID) < 0)
        _exit(1);
    emux_config_t cfg = { .role = EMUX_GUEST, .chan = 3, .listen_fd = 4 };
    emux_t *m = emux_new(&cfg);
    int rc = m ? emux_run(m, -1) : -1;
    if (rc < 0)
        init_log("egress forwarder: %s", al_err_msg());
    emux_destroy(&m);
    _exit(rc < 0);
}

int init_egress_start(init_ctx_t *c)
{
    if (c->egress_pid > 0 && kill(c->egress_pid, 0) == 0)
        return 0;
    int port = init_open_port("egress");
    if (port < 0) {
        errno = errno ? errno : ENODEV;
        return -1;
    }
    int ls = s_listen();
    if (ls < 0) {
        int e = errno;
        close(port);
        errno = e;
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0)
        s_forwarder(port, ls);
    int e = errno;
    close(port);
    close(ls);
    if (pid < 0) {
        errno = e;
        return -1;
    }
    c->egress_pid = pid;
    return 0;
}
