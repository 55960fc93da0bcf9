/*
 * init_prefork.c: the next command's process, made while the guest is idle.
 *
 * Under TCG, forking airlock-init and confining the child (init_confine.c) is
 * about half of a short command's time in the guest (bench/sandbox: "a missing
 * program"). So after each command - and before READY, so every clone of the
 * pool's snapshot starts with one - init forks the next command's process and
 * confines it up to the program: it then waits on its end of a socket pair for
 * the request's working directory, argv and environment, and execs them. A
 * request takes it only when it was made for the same root and user; otherwise
 * (or when it has died) it is killed and the command forked as before. It is
 * made after the previous command's cgroup was killed, so no process of an
 * earlier command shares the sandbox user with it.
 *
 * Wire format on the pair, init -> child: three uint32 (argc, envc, bytes),
 * then `bytes` of NUL-terminated strings: cwd, argv[0..argc), env[0..envc).
 */
#include "worker/guest/init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PREFORK_MAX_BYTES (8u << 20)  /* argv + environment; the kernel allows far less */

static int s_read_full(int fd, void *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* In the confined child: reads one request from fd 3 and runs it. */
static void __attribute__((noreturn)) s_wait_and_run(void)
{
    uint32_t hdr[3];
    if (s_read_full(3, hdr, sizeof hdr) < 0)
        _exit(0);   /* init dropped this process before any request */
    uint32_t argc = hdr[0], envc = hdr[1], bytes = hdr[2];
    if (argc == 0 || bytes == 0 || bytes > PREFORK_MAX_BYTES || argc > bytes || envc > bytes)
        _exit(126);
    char *buf = malloc(bytes);
    char **ptr = calloc((size_t)argc + envc + 3, sizeof *ptr);
    if (!buf || !ptr || s_read_full(3, buf, bytes) < 0 || buf[bytes - 1] != '\0')
        _exit(126);
    close(3);
    size_t n = 0;
    for (char *p = buf; p < buf + bytes && n < (size_t)argc + envc + 1; p += strlen(p) + 1)
        ptr[n++] = p;
    if (n != (size_t)argc + envc + 1)
        _exit(126);
    /* ptr: cwd, argv..., NULL, env..., NULL */
    memmove(ptr + 2 + argc, ptr + 1 + argc, envc * sizeof *ptr);
    ptr[1 + argc] = NULL;
    ptr[2 + argc + envc] = NULL;
    init_run_program(ptr[0], ptr + 1, ptr + 2 + argc);
    _exit(126);
}

static void s_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void s_forget(init_prefork_t *p)
{
    p->pid = -1;
    s_close(&p->ctl);
    s_close(&p->fds[0]);
    s_close(&p->fds[1]);
}

void init_prefork_make(init_ctx_t *c)
{
    init_prefork_t *p = &c->prefork;
    if (p->pid > 0 || c->bpf.len == 0)
        return;
    int sv[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
        pipe2(err, O_CLOEXEC) < 0)
        goto fail;
    pid_t pid = fork();
    if (pid < 0)
        goto fail;
    if (pid == 0) {
        init_confine(c, INIT_SANDBOX_UID, out[1], err[1], sv[1]);
        s_wait_and_run();
    }
    close(sv[1]);
    close(out[1]);
    close(err[1]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    *p = (init_prefork_t){ .pid = pid, .ctl = sv[0], .fds = { out[0], err[0] }, .root = c->root };
    return;
fail:
    init_log("next command's process not made: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        s_close(&sv[i]);
        s_close(&out[i]);
        s_close(&err[i]);
    }
}

void init_prefork_drop(init_ctx_t *c)
{
    init_prefork_t *p = &c->prefork;
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    s_forget(p);
}

void init_prefork_reaped(init_ctx_t *c, pid_t pid)
{
    if (pid > 0 && pid == c->prefork.pid)
        s_forget(&c->prefork);
}

/* The request as the wire format above; NULL when it does not fit. */
static char *s_pack(const agent_msg_t *rq, char *const env[], size_t *len)
{
    const char *cwd = rq->cwd ? rq->cwd : "";
    size_t envc = 0, bytes = strlen(cwd) + 1;
    for (size_t i = 0; i < rq->argc; i++)
        bytes += strlen(rq->argv[i]) + 1;
    for (; env[envc]; envc++)
        bytes += strlen(env[envc]) + 1;
    if (bytes > PREFORK_MAX_BYTES)
        return NULL;
    char *buf = malloc(3 * sizeof(uint32_t) + bytes);
    if (!buf)
        return NULL;
    uint32_t hdr[3] = { (uint32_t)rq->argc, (uint32_t)envc, (uint32_t)bytes };
    memcpy(buf, hdr, sizeof hdr);
    char *w = buf + sizeof hdr;
    size_t k = strlen(cwd) + 1;
    memcpy(w, cwd, k);
    w += k;
    for (size_t i = 0; i < rq->argc; i++, w += k)
        memcpy(w, rq->argv[i], k = strlen(rq->argv[i]) + 1);
    for (size_t i = 0; i < envc; i++, w += k)
        memcpy(w, env[i], k = strlen(env[i]) + 1);
    *len = sizeof hdr + bytes;
    return buf;
}

pid_t init_prefork_hand(init_ctx_t *c, const agent_msg_t *rq, char *const env[], int fds[2])
{
    init_prefork_t *p = &c->prefork;
    if (p->pid <= 0)
        return 0;
    if (p->root != c->root || rq->uid != INIT_SANDBOX_UID) {
        init_prefork_drop(c);
        return 0;
    }
    size_t len = 0, sent = 0;
    char *buf = s_pack(rq, env, &len);
    while (buf && sent < len) {
        ssize_t w = send(p->ctl, buf + sent, len - sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        sent += (size_t)w;
    }
    free(buf);
    if (sent < len || len == 0) {
        init_prefork_drop(c);   /* it died, or the request did not fit: fork one */
        return 0;
    }
    pid_t pid = p->pid;
    fds[0] = p->fds[0];
    fds[1] = p->fds[1];
    p->fds[0] = p->fds[1] = -1;
    s_forget(p);
    return pid;
}
