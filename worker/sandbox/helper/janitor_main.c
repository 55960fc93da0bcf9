/*
 * janitor_main.c: airlock-janitor, what cleans up after a worker that died
 * without cleaning up (SIGKILL, OOM, a crash) — docs/SANDBOX.md "Lifeline".
 *
 *   airlock-janitor        (started by worker/sandbox/janitor.c)
 *   fd 0  the read end of the worker's lifeline pipe, carrying records:
 *         "+c<dir>\0" / "-c<dir>\0"  a sandbox cgroup directory
 *         "+p<path>\0" / "-p<path>\0" a directory to remove
 *
 * While the worker lives, the janitor only keeps the list. At EOF (every
 * write end closed: the worker is gone) it kills every process left in the
 * listed cgroups until they are empty, removes them, and removes the listed
 * paths without following symlinks; then it exits. A worker that cleans up
 * normally has withdrawn every record by then, so nothing happens.
 *
 * It is exec'd (none of the worker's memory is in it), runs in its own
 * session (a signal to the worker's process group does not reach it) and
 * ignores SIGINT, SIGTERM, SIGHUP. It stays root: it must kill sandbox
 * processes of any uid and remove root's state directories.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RECORD_MAX 4096
#define KILL_ROUNDS 2000     /* x 5 ms: a cgroup gets 10 s to empty */

typedef struct {
    char **v;
    size_t n, cap;
} list_t;

static void s_add(list_t *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = cap;
    }
    char *d = strdup(s);
    if (d)
        l->v[l->n++] = d;
}

static void s_del(list_t *l, const char *s)
{
    for (size_t i = l->n; i-- > 0;) {
        if (strcmp(l->v[i], s) == 0) {
            free(l->v[i]);
            l->v[i] = l->v[--l->n];
            return;
        }
    }
}

/* Kills what is in dir/cgroup.procs; returns how many pids it saw. */
static int s_kill_members(const char *dir)
{
    char path[RECORD_MAX + 32];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    int n = 0, pid;
    while (fscanf(f, "%d", &pid) == 1) {
        kill(pid, SIGKILL);
        n++;
    }
    fclose(f);
    return n;
}

static void s_cgroup_clean(const char *dir)
{
    char path[RECORD_MAX + 32];
    snprintf(path, sizeof path, "%s/cgroup.kill", dir);  /* v2: all at once */
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, "1", 1) < 0) { /* v1 or old kernel: kill one by one below */ }
        close(fd);
    }
    for (int round = 0; round < KILL_ROUNDS; round++) {
        if (s_kill_members(dir) == 0 && rmdir(dir) == 0)
            return;
        if (errno == ENOENT)
            return;
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    dprintf(2, "airlock-janitor: cgroup %s did not empty\n", dir);
}

static int s_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

int main(void)
{
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    setsid();
    list_t cgroups = { 0 }, paths = { 0 };
    char rec[RECORD_MAX + 2];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(0, rec + len, sizeof rec - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;  /* the worker is gone */
        len += (size_t)n;
        char *start = rec, *nul;
        while ((nul = memchr(start, '\0', len - (size_t)(start - rec)))) {
            if (nul - start >= 2 && (start[0] == '+' || start[0] == '-') && (start[1] == 'c' || start[1] == 'p')) {
                list_t *l = start[1] == 'c' ? &cgroups : &paths;
                (start[0] == '+' ? s_add : s_del)(l, start + 2);
            }
            start = nul + 1;
        }
        len -= (size_t)(start - rec);
        memmove(rec, start, len);
        if (len == sizeof rec - 1)
            len = 0;   /* not a record: drop it */
    }
    for (size_t i = 0; i < cgroups.n; i++)   /* processes first, then their files */
        s_cgroup_clean(cgroups.v[i]);
    for (size_t i = 0; i < paths.n; i++)
        nftw(paths.v[i], s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    list_t *lists[] = { &cgroups, &paths };
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < lists[k]->n; i++)
            free(lists[k]->v[i]);
        free(lists[k]->v);
    }
    return 0;
}
