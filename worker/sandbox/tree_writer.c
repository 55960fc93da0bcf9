/*
 * tree_writer.c: the worker's side of airlock-tree-writer (see
 * tree_writer.h): fork, drop to the leased uid, exec the helper; frames over
 * a socketpair; the outcome line over a pipe.
 */
#include "worker/sandbox/tree_writer.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "worker/guest/agent_proto.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AIRLOCK_BUILD_DIR
#define AIRLOCK_BUILD_DIR "."
#endif

struct tree_writer {
    pid_t pid;
    int sock;       /* frames to the helper */
    int status;     /* its outcome line */
    int refused;    /* put saw it stop reading: its report is read, its error set */
};

/* AddressSanitizer reserves terabytes of shadow address space at start (an
 * address-space limit stops the helper before main), and LeakSanitizer needs a
 * tracer process at exit (RLIMIT_NPROC 1 makes it fail the helper): in an ASan
 * build the helper runs without the address-space limit and without leak
 * checking; memory errors are still caught. */
#if defined(__SANITIZE_ADDRESS__)
#define TREE_WRITER_LIMIT_AS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TREE_WRITER_LIMIT_AS 0
#endif
#endif
#ifndef TREE_WRITER_LIMIT_AS
#define TREE_WRITER_LIMIT_AS 1
#endif

static const char *s_helper_path(void)
{
    const char *p = sandbox_knob("tree_writer");
    return p ? p : AIRLOCK_BUILD_DIR "/worker/sandbox/helper/airlock-tree-writer";
}

/* Child side, never returns: fds in place, privileges gone, exec. */
static void __attribute__((noreturn)) s_child(int sock, int status, int dirfd, uid_t uid, const tree_limits_t *lim,
                                              pid_t parent)
{
    if (dup2(sock, 0) < 0 || dup2(status, 1) < 0 || dup2(status, 2) < 0 || dup2(dirfd, 3) < 0)
        _exit(127);
    syscall(SYS_close_range, 4, ~0u, 0);
    rlim_t fsize = (rlim_t)lim->max_bytes + 1;
    struct rlimit rl_fsize = { fsize, fsize }, rl_nofile = { 64, 64 }, rl_core = { 0, 0 }, rl_nproc = { 1, 1 },
                  rl_as = { 512ull << 20, 512ull << 20 };
    if (setrlimit(RLIMIT_FSIZE, &rl_fsize) < 0 || setrlimit(RLIMIT_NOFILE, &rl_nofile) < 0 ||
        setrlimit(RLIMIT_CORE, &rl_core) < 0 || setrlimit(RLIMIT_NPROC, &rl_nproc) < 0 ||
        (TREE_WRITER_LIMIT_AS && setrlimit(RLIMIT_AS, &rl_as) < 0))
        _exit(127);
    /* raw syscalls: the worker is multithreaded (see ns_internal.h, ns_set_ids) */
    if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, uid, uid, uid) < 0 ||
        syscall(SYS_setresuid, uid, uid, uid) < 0)
        _exit(127);
    /* after the uid change, which clears it; then make sure the parent did not go first */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit(127);
    char bytes[24], entries[24];
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)lim->max_bytes);
    snprintf(entries, sizeof entries, "%llu", (unsigned long long)lim->max_entries);
    const char *path = s_helper_path();
    char *const argv[] = { (char *)path, bytes, entries, NULL };
    char *const envp[] = { TREE_WRITER_LIMIT_AS ? NULL : "ASAN_OPTIONS=detect_leaks=0", NULL };
    execve(path, argv, envp);
    dprintf(1, "error cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
}

static int s_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return al_err_set_errno(AL_EINVAL, "workspace export: %s is not a directory", dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n ? al_err_set(AL_EINVAL, "workspace export: target %s must be empty", dir) : 0;
}

int tree_writer_new(tree_writer_t **out, const char *host_dir, uid_t uid, const tree_limits_t *lim)
{
    *out = NULL;
    int sv[2] = { -1, -1 }, st[2] = { -1, -1 }, dirfd = -1, rc = s_empty_dir(host_dir);
    tree_writer_t *w = rc == 0 ? calloc(1, sizeof *w) : NULL;
    if (rc == 0 && !w)
        rc = al_err_set(AL_ENOMEM, "workspace export: out of memory");
    if (rc == 0 && ((dirfd = open(host_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
                    fchown(dirfd, uid, uid) < 0))
        rc = al_err_set_errno(AL_EIO, "workspace export: prepare %s", host_dir);
    if (rc == 0 && (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(st, O_CLOEXEC) < 0))
        rc = al_err_set_errno(AL_EIO, "workspace export: socketpair");
    pid_t parent = getpid();
    pid_t pid = rc == 0 ? fork() : -1;
    if (pid == 0)
        s_child(sv[1], st[1], dirfd, uid, lim, parent);
    if (rc == 0 && pid < 0)
        rc = al_err_set_errno(AL_EIO, "workspace export: fork");
    if (rc == 0) {
        w->pid = pid;
        w->sock = sv[0];
        w->status = st[0];
        sv[0] = st[0] = -1;
        *out = w;
        w = NULL;
    }
    int fds[] = { sv[0], sv[1], st[0], st[1], dirfd };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(w);
    return rc;
}

/* How long put waits for the report of a writer that stopped reading: it
 * writes the report as it refuses, then exits. */
#define TREE_WRITER_REPORT_MS 5000

/* The helper's outcome line (it writes one, then exits), read to its end:
 * into line, NUL-terminated, without the newline. With wait_ms, what came
 * by then (a writer that stopped reading and hangs never ends its report). */
static void s_read_report(tree_writer_t *w, char *line, size_t size, unsigned wait_ms)
{
    uint64_t deadline = wait_ms ? al_mono_ms() + wait_ms : 0;
    size_t len = 0;
    while (len < size - 1) {
        if (deadline) {
            uint64_t now = al_mono_ms();
            struct pollfd p = { .fd = w->status, .events = POLLIN };
            int r = now < deadline ? poll(&p, 1, (int)(deadline - now)) : 0;
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
        }
        ssize_t n = read(w->status, line + len, size - 1 - len);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
        len += n > 0 ? (size_t)n : 0;
    }
    line[len] = '\0';
    line[strcspn(line, "\n")] = '\0';
}

/* The helper refused the stream (a hostile entry, a limit): its reason, as
 * AL_ELIMIT or AL_EPROTO; status is its wait status, or -1 still running. */
static int s_refusal(const char *line, int status)
{
    const char *why = strncmp(line, "error ", 6) == 0 ? line + 6 : line[0] ? line : "no report";
    return al_err_set(strstr(why, "more than") ? AL_ELIMIT : AL_EPROTO, "workspace export refused (status %d): %s",
                      status, why);
}

int tree_writer_put(tree_writer_t *w, const tree_entry_t *e)
{
    int rc = tree_entry_check(e);
    if (rc < 0)
        return rc;
    agent_msg_t m = { .type = AGENT_MSG_TREE, .kind = e->kind, .path = (char *)(e->path ? e->path : ""),
                      .mode = e->mode, .data = (unsigned char *)e->data, .data_len = e->len };
    char *buf = NULL;
    size_t len = 0;
    if ((rc = agent_frame_encode(&m, &buf, &len)) < 0)
        return rc;
    for (size_t off = 0; rc == 0 && off < len;) {
        ssize_t n = send(w->sock, buf + off, len - off, MSG_NOSIGNAL);
        if (n > 0)
            off += (size_t)n;
        else if (n < 0 && errno != EINTR)
            rc = al_err_set_errno(AL_EIO, "workspace export: the writer stopped reading");
    }
    free(buf);
    if (rc == AL_EIO && !w->refused) {
        /* it stopped reading because it refused: its report says why (a limit
         * is AL_ELIMIT, a hostile entry AL_EPROTO), not EPIPE */
        char line[1024];
        w->refused = 1;
        s_read_report(w, line, sizeof line, TREE_WRITER_REPORT_MS);
        if (strncmp(line, "error ", 6) == 0)
            rc = s_refusal(line, -1);
    }
    return rc;
}

typedef struct {
    tree_writer_t *w;
    int rc;
} walk_ctx_t;

static int s_emit(void *arg, const tree_entry_t *e)
{
    walk_ctx_t *c = arg;
    c->rc = tree_writer_put(c->w, e);
    return c->rc < 0 ? 1 : 0;   /* positive: stops the walk, never an errno */
}

int tree_writer_walk(tree_writer_t *w, int dirfd, const char *skip_top)
{
    walk_ctx_t c = { w, 0 };
    int rc = tree_walk(dirfd, skip_top, s_emit, &c);
    if (rc > 0)
        return c.rc;
    return rc < 0 ? al_err_set(AL_EIO, "workspace export: read the workspace: %s", strerror(-rc)) : 0;
}

static void s_reap(tree_writer_t *w, int *status)
{
    while (waitpid(w->pid, status, 0) < 0 && errno == EINTR)
        ;
}

int tree_writer_finish(tree_writer_t **wp)
{
    tree_writer_t *w = *wp;
    *wp = NULL;
    if (!w)
        return al_err_set(AL_EINVAL, "workspace export: no writer");
    shutdown(w->sock, SHUT_WR);
    char line[1024];
    s_read_report(w, line, sizeof line, 0);
    int status = 0;
    s_reap(w, &status);
    close(w->sock);
    close(w->status);
    free(w);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && strncmp(line, "ok ", 3) == 0) {
        al_debug("sandbox.export", "result=\"%s\"", line);
        return 0;
    }
    return s_refusal(line, status);
}

void tree_writer_abort(tree_writer_t **wp)
{
    tree_writer_t *w = *wp;
    if (!w)
        return;
    *wp = NULL;
    kill(w->pid, SIGKILL);
    int status;
    s_reap(w, &status);
    close(w->sock);
    close(w->status);
    free(w);
}
