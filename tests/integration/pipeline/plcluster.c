/*
 * plcluster.c: ns-driver workers, jobs, patches and verdict waits for the
 * pipeline integration tests (see plcluster.h). Owns nothing beyond what each
 * function returns.
 */
#include "plcluster.h"
#include "common/error.h"
#include "tests/support/proc_launch.h"

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PL_WAIT_MS 900000   /* a hang guard, not a timing assertion: loaded CI machines are slow */

int pl_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = launch_shellv(fmt, ap);
    va_end(ap);
    return rc == 0 ? AL_OK : al_err_set(AL_EIO, "a shell command failed (stderr says which)");
}

static int s_read_file(const char *path, char **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return al_err_set_errno(AL_EIO, "%s", path);
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    char chunk[4096];
    size_t got;
    while (mem && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, got, mem);
    fclose(f);
    if (!mem)
        return AL_ENOMEM;
    fclose(mem);
    *out = buf;
    return AL_OK;
}

int pl_worker_start(cluster_t *c, pl_worker_t *w, const char *name, const char *driver,
                    const char *plugins_dir, const char *labels)
{
    memset(w, 0, sizeof *w);
    snprintf(w->name, sizeof w->name, "%s", name);
    snprintf(w->state_dir, sizeof w->state_dir, "%s/state-%s", cluster_dir(c), name);
    snprintf(w->log, sizeof w->log, "%s/%s.log", cluster_dir(c), name);
    cluster_worker_cfg_t cfg = { driver, plugins_dir, labels };
    w->pid = cluster_worker_spawn_named(c, name, &cfg, w->key);
    if (w->pid <= 0)
        return al_err_set(AL_EIO, "worker %s did not start; see %s", name, w->log);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT count(*) = 1 FROM workers WHERE id = '%s' AND state = 'connected'",
             w->key);
    if (!cluster_wait_sql(c, sql, 60000))
        return al_err_set(AL_ETIMEOUT, "worker %s did not connect; see %s", name, w->log);
    return AL_OK;
}

void pl_worker_stop(pl_worker_t *w)
{
    if (w->pid <= 0)
        return;
    kill(w->pid, SIGKILL);
    kill(-w->pid, SIGKILL);
    while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    w->pid = 0;
}

/* The parent pid of /proc/<pid> (-1 when gone). */
static pid_t s_ppid(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *close_paren = strrchr(buf, ')');
    int ppid = -1;
    char state;
    if (!close_paren || sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2)
        return -1;
    return (pid_t)ppid;
}

/* 1 when one of the process's open files lies under prefix. */
static int s_holds_file_under(pid_t pid, const char *prefix)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    int found = 0;
    struct dirent *e;
    while (d && !found && (e = readdir(d)) != NULL) {
        char link[320], target[1024];
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            found = strncmp(target, prefix, strlen(prefix)) == 0;
        }
    }
    if (d)
        closedir(d);
    return found;
}

/* 1 when the process is not a task's: the worker's janitor (it lives as long
 * as the worker), or one working for the warm pool, whose command line or
 * open files lie under <state_dir>/pool/ (qemu, its log keeper, mke2fs). */
static int s_worker_own_process(pid_t pid, const char *state_dir)
{
    char path[64], buf[8192], want[512];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t len = readlink(path, buf, sizeof buf - 1);
    if (len > 0) {
        buf[len] = '\0';
        const char *base = strrchr(buf, '/');
        if (base && strcmp(base + 1, "airlock-janitor") == 0)
            return 1;
    }
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    snprintf(want, sizeof want, "%s/pool/", state_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    return strstr(buf, want) != NULL || s_holds_file_under(pid, want);
}

int pl_worker_descendants(const pl_worker_t *w)
{
    DIR *d = opendir("/proc");
    int count = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);
        for (pid_t p = pid > 0 ? s_ppid(pid) : -1; p > 1; p = s_ppid(p)) {
            if (p == w->pid) {
                count += !s_worker_own_process(pid, w->state_dir);
                break;
            }
        }
    }
    if (d)
        closedir(d);
    return count;
}

/* 1 when the log file holds needle (read whole: worker logs stay small in tests). */
static int s_log_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}

int pl_worker_log_wait(const pl_worker_t *w, const char *needle)
{
    int64_t deadline = zclock_mono() + PL_WAIT_MS;
    while (!s_log_has(w->log, needle)) {
        if (zclock_mono() >= deadline)
            return al_err_set(AL_ETIMEOUT, "'%s' not in %s after %d ms", needle, w->log, PL_WAIT_MS);
        zclock_sleep(100);
    }
    return AL_OK;
}

int pl_worker_task_dirs(const pl_worker_t *w)
{
    char path[500];
    snprintf(path, sizeof path, "%s/t", w->state_dir);
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

char *pl_patch(const char *repo, const char *change)
{
    char out[600], *text = NULL;
    snprintf(out, sizeof out, "%s.patch", repo);
    if (pl_sh("set -e; cd '%s'; %s\ngit add -A; git diff --cached --binary > '%s'; "
              "git reset -q --hard; git clean -qfdx", repo, change, out) != AL_OK ||
        s_read_file(out, &text) != AL_OK)
        return NULL;
    return text;
}

char *pl_submit(cluster_t *c, const char *name, json_t *job)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.json", cluster_dir(c), name);
    if (json_dump_file(job, path, JSON_COMPACT) != 0)
        return NULL;
    return cluster_submit(c, path);
}

char *pl_sql_text(cluster_t *c, const char *fmt, const char *arg)
{
    char sql[4096];
    snprintf(sql, sizeof sql, fmt, arg);
    PGresult *r = PQexec(cluster_db(c), sql);
    char *v = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = strdup(PQgetvalue(r, 0, 0));
    else if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "sql failed: %s: %s\n", sql, PQresultErrorMessage(r));
    PQclear(r);
    return v;
}

long pl_sql_long(cluster_t *c, const char *fmt, const char *arg)
{
    char *v = pl_sql_text(c, fmt, arg);
    long n = v ? strtol(v, NULL, 10) : -1;
    free(v);
    return n;
}

char *pl_wait_verdict(cluster_t *c, const char *job_id)
{
    char sql[400];
    snprintf(sql, sizeof sql, "SELECT state = 'finished' FROM jobs WHERE id = '%s'", job_id);
    if (!cluster_wait_sql(c, sql, PL_WAIT_MS))
        return strdup("");
    char *v = pl_sql_text(c, "SELECT verdict FROM jobs WHERE id = '%s'", job_id);
    return v ? v : strdup("");
}
