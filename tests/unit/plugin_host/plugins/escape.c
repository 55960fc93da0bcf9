/* escape: tries, from analyze, what an exploited analyzer would: open a
 * file, create a socket, fork, exec, map executable memory, write to stdout.
 * Reports each errno (0 = it worked) in one finding. */
#define BROKEN_NAME "escape"
#define BROKEN_ANALYZE { return escape_try(); }
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
static int escape_try(void);
#include "broken.h"

static int err(long rc) { return rc < 0 ? errno : 0; }

static int escape_try(void)
{
    char msg[200];
    int e_open = err(open("/etc/hostname", O_RDONLY));
    int e_sock = err(socket(AF_INET, SOCK_STREAM, 0));
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int e_fork = err(pid);
    char *argv[] = { (char *)"/bin/true", NULL };
    int e_exec = err(execve(argv[0], argv, argv + 1));
    void *m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int e_mmap = m == MAP_FAILED ? errno : 0;
    int e_out = err(write(1, "x", 1));
    snprintf(msg, sizeof msg, "open=%d socket=%d fork=%d exec=%d mmapx=%d stdout=%d", e_open, e_sock,
             e_fork, e_exec, e_mmap, e_out);
    airlock_finding_t f = { sizeof f, "escape.result", AIRLOCK_SEV_INFO, NULL, 0, msg, NULL };
    g_host->emit_finding(g_host->ctx, &f);
    return 0;
}
