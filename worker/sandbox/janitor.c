/*
 * janitor.c: the worker's side of airlock-janitor (see janitor.h): starts
 * it once per process and writes its records. Owns the lifeline's write end.
 */
#include "worker/sandbox/janitor.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AIRLOCK_BUILD_DIR
#define AIRLOCK_BUILD_DIR "."
#endif

static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t s_atfork_once = PTHREAD_ONCE_INIT;
static int s_fd = -1;             /* lifeline write end, of this process's janitor */
static pid_t s_pid;               /* the process that started it */
static char s_err[256];

/* A forked child is another worker as far as cleanup goes: it must neither
 * keep the parent's janitor waiting nor send it records. */
static void s_atfork_child(void)
{
    if (s_fd >= 0)
        close(s_fd);
    s_fd = -1;
    s_pid = 0;
}

static void s_atfork_register(void) { pthread_atfork(NULL, NULL, s_atfork_child); }

static void s_start(void)
{
    const char *path = sandbox_knob("janitor");
    if (!path)
        path = AIRLOCK_BUILD_DIR "/worker/sandbox/helper/airlock-janitor";
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(s_err, sizeof s_err, "lifeline pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(p[0], 0) < 0)
            _exit(127);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        syscall(SYS_close_range, 3, ~0u, 0);
        char *const argv[] = { (char *)path, NULL };
        char *const envp[] = { NULL };
        execve(path, argv, envp);
        dprintf(2, "airlock: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(p[0]);
    if (pid < 0) {
        snprintf(s_err, sizeof s_err, "fork the janitor: %s", strerror(errno));
        close(p[1]);
        return;
    }
    s_fd = p[1];
    s_pid = getpid();
    al_info("sandbox.janitor", "pid=%d helper=%s", (int)pid, path);
}

static int s_record(char op, janitor_kind_t kind, const char *path)
{
    char rec[PIPE_BUF];
    int n = snprintf(rec, sizeof rec, "%c%c%s", op, (char)kind, path);
    if (n < 0 || (size_t)n + 1 > sizeof rec)
        return al_err_set(AL_EINVAL, "janitor: path too long: %s", path);
    ssize_t w;
    while ((w = write(s_fd, rec, (size_t)n + 1)) < 0 && errno == EINTR)
        ;
    return w == n + 1 ? 0 : al_err_set_errno(AL_ESANDBOX, "janitor: write a record");
}

int janitor_track(janitor_kind_t kind, const char *path)
{
    pthread_once(&s_atfork_once, s_atfork_register);
    pthread_mutex_lock(&s_mu);
    if (s_fd < 0 || s_pid != getpid())
        s_start();
    int fd = s_fd;
    pthread_mutex_unlock(&s_mu);
    if (fd < 0)
        return al_err_set(AL_ESANDBOX, "janitor unavailable: %s", s_err);
    return s_record('+', kind, path);
}

void janitor_untrack(janitor_kind_t kind, const char *path)
{
    if (s_fd >= 0 && s_pid == getpid() && path)
        s_record('-', kind, path);
}
