/*
 * init.c: airlock-gvinit, pid 1 of every gVisor container the gvisor driver
 * starts (one container per command). A static binary, mounted read-only at
 * /.airlock/init; it runs INSIDE the sandbox, under the Sentry, as the
 * sandbox's root (uid 0 there, capabilities CAP_SETUID and CAP_SETGID only,
 * no_new_privs) and never touches the host.
 *
 *   /.airlock/init --uid U --gid G --cwd DIR [--fwd SOCKET] [--preload LIB]
 *                  [--seccomp FILE] -- ARGV...
 *
 * fd 0 is the driver's private status channel (a unix socket the host passed
 * as the container's stdin); fds 1 and 2 are the command's stdout/stderr.
 *   1. moves the status channel to a close-on-exec fd and gives fd 0 /dev/null;
 *   2. with --fwd: listens on 127.0.0.1:3128 and forks the egress forwarder,
 *      which stays uid 0 (the workload cannot signal it) without capabilities
 *      and relays each connection byte for byte to the proxy's unix socket
 *      (bind-mounted at SOCKET, mode 0600 root: only the forwarder can open it);
 *   3. writes "started" on the status channel and forks the command: new
 *      session, uid/gid U/G without supplementary groups (which clears every
 *      capability), cwd DIR, LD_PRELOAD=LIB prepended, the seccomp filter in
 *      FILE (a BPF program: the ns driver's, so the same calls are refused on
 *      both, and fewer of the Sentry's syscall implementations are reachable;
 *      it fails closed), execvp. A missing
 *      argv[0] is reported as "airlock: NAME: command not found" (exit 127),
 *      like every driver;
 *   4. reaps every process until the command ends, then writes its exact wait
 *      status and rusage on the status channel and exits: the Sentry then
 *      kills whatever is left in the container.
 * Record format (one line each, parsed strictly by the host, gvisor_exec.c):
 *   "airlock-gvinit 1 started\n"
 *   "airlock-gvinit 1 status=<wait status> utime_us=<n> stime_us=<n> maxrss_kb=<n>\n"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROXY_PORT 3128
#define MAX_CONNS 64
#define STATUS_FD_MIN 10

typedef struct {
    unsigned uid, gid;
    const char *cwd;
    const char *fwd;        /* proxy socket inside the sandbox, or NULL */
    const char *preload;    /* compat library, or NULL */
    const char *seccomp;    /* BPF program file, or NULL */
    char **argv;
} args_t;

static void s_say(int fd, const char *line)
{
    size_t len = strlen(line);
    if (write(fd, line, len) != (ssize_t)len) { /* the host reads what arrived */ }
}

static int s_args(int argc, char **argv, args_t *a)
{
    memset(a, 0, sizeof *a);
    a->cwd = "/";
    int i = 1;
    for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--uid") == 0)
            a->uid = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(k, "--gid") == 0)
            a->gid = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(k, "--cwd") == 0)
            a->cwd = v;
        else if (strcmp(k, "--fwd") == 0)
            a->fwd = v;
        else if (strcmp(k, "--preload") == 0)
            a->preload = v;
        else if (strcmp(k, "--seccomp") == 0)
            a->seccomp = v;
        else
            return -1;
    }
    if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc || a->uid == 0)
        return -1;
    a->argv = argv + i + 1;
    return 0;
}

/* ---- the egress forwarder (uid 0, no capabilities) ---- */

typedef struct {
    int a, b;              /* client side, proxy side; -1 when closed */
    int a_eof, b_eof;
} conn_t;

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

/* Moves what is readable from `from` to `to` (blocking write: the peer is a
 * socket that drains). Returns 0, or -1 at EOF/error. */
static int s_pump(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0)
        return -1;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w <= 0)
            return -1;
        off += w;
    }
    return 0;
}

static void s_conn_close(conn_t *c)
{
    if (c->a >= 0)
        close(c->a);
    if (c->b >= 0)
        close(c->b);
    c->a = c->b = -1;
}

/* One poll loop for every connection: no process per connection, so the
 * forwarder never competes with the workload's process limit. */
static void __attribute__((noreturn)) s_forwarder(int ls, const char *path)
{
    conn_t conns[MAX_CONNS];
    for (int i = 0; i < MAX_CONNS; i++)
        conns[i] = (conn_t){ -1, -1, 0, 0 };
    for (;;) {
        struct pollfd p[1 + 2 * MAX_CONNS];
        p[0] = (struct pollfd){ ls, POLLIN, 0 };
        for (int i = 0; i < MAX_CONNS; i++) {
            p[1 + 2 * i] = (struct pollfd){ conns[i].a_eof ? -1 : conns[i].a, POLLIN, 0 };
            p[2 + 2 * i] = (struct pollfd){ conns[i].b_eof ? -1 : conns[i].b, POLLIN, 0 };
        }
        if (poll(p, 1 + 2 * MAX_CONNS, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        for (int i = 0; i < MAX_CONNS; i++) {
            conn_t *c = &conns[i];
            if (p[1 + 2 * i].revents && !c->a_eof && s_pump(c->a, c->b) < 0) {
                c->a_eof = 1;
                shutdown(c->b, SHUT_WR);
            }
            if (p[2 + 2 * i].revents && !c->b_eof && s_pump(c->b, c->a) < 0) {
                c->b_eof = 1;
                shutdown(c->a, SHUT_WR);
            }
            if (c->a >= 0 && c->a_eof && c->b_eof)
                s_conn_close(c);
        }
        if (!(p[0].revents & POLLIN))
            continue;
        int a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (a < 0)
            continue;
        int slot = -1;
        for (int i = 0; i < MAX_CONNS && slot < 0; i++)
            slot = conns[i].a < 0 ? i : -1;
        int b = slot >= 0 ? s_connect_unix(path) : -1;
        if (b < 0) {
            close(a);   /* closing tells the client the proxy is unreachable (or busy) */
            continue;
        }
        conns[slot] = (conn_t){ a, b, 0, 0 };
    }
}

static int s_drop_caps(void)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &hdr, data);
}

static int s_start_forwarder(const char *path)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PROXY_PORT),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 64) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        if (s_drop_caps() < 0)
            _exit(1);
        s_forwarder(ls, path);
    }
    close(ls);   /* listening already: the workload finds the port open */
    return 0;
}

/* ---- the command ---- */

static char **s_environ_preload(const char *lib)
{
    extern char **environ;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        return environ;
    const char *prev = NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "LD_PRELOAD=", 11) == 0)
            prev = environ[i] + 11;
        else
            env[k++] = environ[i];
    }
    size_t len = strlen(lib) + (prev ? strlen(prev) + 1 : 0) + 12;
    char *v = malloc(len);
    if (!v)
        return environ;
    snprintf(v, len, "LD_PRELOAD=%s%s%s", lib, prev && *prev ? ":" : "", prev ? prev : "");
    env[k++] = v;
    return env;
}

/* Reads the BPF program (before the fork: a failure stops the container). */
static int s_load_filter(const char *path, struct sock_fprog *prog)
{
    static struct sock_filter insns[BPF_MAXINSNS];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, insns, sizeof insns);
    close(fd);
    if (n <= 0 || n % (ssize_t)sizeof insns[0] != 0)
        return -1;
    prog->len = (unsigned short)(n / (ssize_t)sizeof insns[0]);
    prog->filter = insns;
    return 0;
}

static void __attribute__((noreturn)) s_command(const args_t *a, const struct sock_fprog *filter)
{
    char **env = a->preload ? s_environ_preload(a->preload) : NULL;
    if (setsid() < 0 || setgroups(0, NULL) < 0 || setresgid(a->gid, a->gid, a->gid) < 0 ||
        setresuid(a->uid, a->uid, a->uid) < 0) {
        dprintf(2, "airlock: cannot drop privileges: %s\n", strerror(errno));
        _exit(126);
    }
    if (chdir(a->cwd) < 0) {
        dprintf(2, "airlock: cannot change to %s: %s\n", a->cwd, strerror(errno));
        _exit(126);
    }
    signal(SIGPIPE, SIG_DFL);
    if (filter && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                   prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, filter, 0, 0) < 0)) {
        dprintf(2, "airlock: cannot install the syscall filter: %s\n", strerror(errno));
        _exit(126);
    }
    if (env)
        execvpe(a->argv[0], a->argv, env);
    else
        execvp(a->argv[0], a->argv);
    int err = errno;
    if (err == ENOENT) /* worded like every driver (and like a shell) */
        dprintf(2, "airlock: %s: command not found\n", a->argv[0]);
    else
        dprintf(2, "airlock: cannot run %s: %s\n", a->argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
}

static unsigned long long s_us(const struct timeval *tv)
{
    return (unsigned long long)tv->tv_sec * 1000000ull + (unsigned long long)tv->tv_usec;
}

int main(int argc, char **argv)
{
    int st = fcntl(0, F_DUPFD_CLOEXEC, STATUS_FD_MIN);
    int null = open("/dev/null", O_RDONLY);
    if (st < 0 || null < 0 || dup2(null, 0) < 0) {
        dprintf(2, "airlock-gvinit: cannot set up its descriptors: %s\n", strerror(errno));
        return 125;
    }
    if (null > 2)
        close(null);
    signal(SIGPIPE, SIG_IGN);
    args_t a;
    if (s_args(argc, argv, &a) < 0) {
        dprintf(2, "airlock-gvinit: bad arguments\n");
        return 125;
    }
    struct sock_fprog filter;
    if (a.seccomp && s_load_filter(a.seccomp, &filter) < 0) {
        dprintf(2, "airlock-gvinit: cannot read the syscall filter %s\n", a.seccomp);
        return 125;
    }
    if (a.fwd && s_start_forwarder(a.fwd) < 0) {
        dprintf(2, "airlock-gvinit: egress forwarder on 127.0.0.1:%d: %s\n", PROXY_PORT, strerror(errno));
        return 125;
    }
    s_say(st, "airlock-gvinit 1 started\n");
    pid_t cmd = fork();
    if (cmd < 0) {
        dprintf(2, "airlock-gvinit: fork: %s\n", strerror(errno));
        return 125;
    }
    if (cmd == 0) {
        close(st);
        s_command(&a, a.seccomp ? &filter : NULL);
    }
    for (;;) {
        int status;
        struct rusage ru;
        pid_t p = wait4(-1, &status, 0, &ru);
        if (p < 0 && errno == EINTR)
            continue;
        if (p < 0)
            return 125;
        if (p != cmd)
            continue;   /* an orphan reparented to us, or the forwarder */
        char line[160];
        snprintf(line, sizeof line, "airlock-gvinit 1 status=%d utime_us=%llu stime_us=%llu maxrss_kb=%ld\n",
                 status, s_us(&ru.ru_utime), s_us(&ru.ru_stime), ru.ru_maxrss);
        s_say(st, line);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
}
