/*
 * git_server.c: starts tests/support/git_http_server.py and reads its port.
 */
#include "git_server.h"
#include "proc_launch.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AIRLOCK_SOURCE_DIR
#error AIRLOCK_SOURCE_DIR
#endif

struct git_server {
    pid_t pid;
    int port;
};

static void s_child(int wfd, const git_server_opts_t *o)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = "python3";
    argv[n++] = AIRLOCK_SOURCE_DIR "/tests/support/git_http_server.py";
    argv[n++] = "--root";
    argv[n++] = o->root;
    for (const char *const *a = o->auth; a && *a && n < 50; a++) {
        argv[n++] = "--auth";
        argv[n++] = *a;
    }
    if (o->log) {
        argv[n++] = "--log";
        argv[n++] = o->log;
    }
    if (o->tls_cert) {
        argv[n++] = "--tls-cert";
        argv[n++] = o->tls_cert;
        argv[n++] = "--tls-key";
        argv[n++] = o->tls_key;
    }
    if (o->bind) {
        argv[n++] = "--bind";
        argv[n++] = o->bind;
    }
    argv[n] = NULL;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(wfd, 1);
    close(wfd);
    execvp("python3", (char *const *)argv);
    _exit(127);
}

int git_server_start(git_server_t **out, const git_server_opts_t *o)
{
    int fds[2];
    *out = NULL;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        s_child(fds[1], o);
    }
    close(fds[1]);
    FILE *f = pid > 0 ? fdopen(fds[0], "r") : NULL;
    int port = 0;
    if (!f || fscanf(f, "PORT %d", &port) != 1 || port <= 0) {
        fprintf(stderr, "git_server: the server did not start\n");
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        if (f)
            fclose(f);
        else
            close(fds[0]);
        return -1;
    }
    fclose(f);   /* the server keeps printing nothing else */
    git_server_t *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->pid = pid;
    s->port = port;
    *out = s;
    return 0;
}

int git_server_port(const git_server_t *s) { return s ? s->port : 0; }

void git_server_stop(git_server_t **p)
{
    git_server_t *s = p ? *p : NULL;
    if (!s)
        return;
    kill(s->pid, SIGKILL);
    while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    free(s);
    *p = NULL;
}

int git_server_unused_port(void)
{
    return launch_unused_port();
}
