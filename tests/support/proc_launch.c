/*
 * proc_launch.c: free loopback ports and child processes for tests and
 * benchmarks (proc_launch.h). Owns nothing: the caller reaps what it starts.
 */
#include "proc_launch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

int launch_unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

pid_t launch_spawn(const char *const *argv, const char *log_path)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

int launch_shell(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = launch_shellv(fmt, ap);
    va_end(ap);
    return rc;
}

int launch_shellv(const char *fmt, va_list ap)
{
    char cmd[8192];
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    if (n < 0 || (size_t)n >= sizeof cmd) {
        fprintf(stderr, "launch_shell: command too long: %.80s...\n", cmd);
        return -1;
    }
    int rc = system(cmd);
    if (rc == 0)
        return 0;
    fprintf(stderr, "launch_shell: failed (status %d): %s\n", rc, cmd);
    return -1;
}
