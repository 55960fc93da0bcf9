/*
 * pg_harness.c: private PostgreSQL clusters for tests (initdb + pg_ctl on a
 * unix socket in a temp dir), with a watchdog process that stops the server
 * and removes the directory when the test process goes away.
 *
 * Owns: the cluster directory, the server process (through pg_ctl), the
 * watchdog process and the write end of its pipe. See pg_harness.h.
 */
#include "pg_harness.h"

#include "common/error.h"
#include "common/log.h"
#include "orchestrator/store/db.h"
#include "orchestrator/store/migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if !defined(AIRLOCK_SOURCE_DIR) || !defined(AIRLOCK_PG_TEMPLATE_DIR)
#error "AIRLOCK_SOURCE_DIR and AIRLOCK_PG_TEMPLATE_DIR must be defined (tests/support/CMakeLists.txt)"
#endif

extern char **environ;

#define ARGV_MAX 32
#define SOCKET_PATH_MAX 100   /* sun_path is 108 bytes; ".s.PGSQL.5432" follows */
#define SHM_MIN_FREE (UINT64_C(1) << 30)

struct pg_harness {
    char dir[SOCKET_PATH_MAX];
    char datadir[SOCKET_PATH_MAX + 8];
    char bindir[PATH_MAX];
    char conninfo[SOCKET_PATH_MAX + 64];
    int as_postgres;          /* run server binaries through runuser -u postgres */
    int watch_fd;             /* write end of the watchdog's pipe */
    pid_t watchdog;
    double initdb_ms;
    double start_ms;
    int from_template;        /* data dir copied from the template cache */
};

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Newest /usr/lib/postgresql/<N>/bin holding initdb, or $AIRLOCK_PG_BINDIR. */
static int s_bindir_find(char *out, size_t size)
{
    const char *env = getenv("AIRLOCK_PG_BINDIR");
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return 0;
    }
    glob_t g;
    long best = -1;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            const char *p = g.gl_pathv[i] + strlen("/usr/lib/postgresql/");
            long v = strtol(p, NULL, 10);
            if (v > best) {
                best = v;
                snprintf(out, size, "%.*s", (int)(strlen(g.gl_pathv[i]) - strlen("/initdb")),
                         g.gl_pathv[i]);
            }
        }
        globfree(&g);
    }
    if (best < 0)
        return al_err_set(AL_ECONFIG, "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin "
                          "(install the postgresql package or set AIRLOCK_PG_BINDIR)");
    return 0;
}

/* Appends the last bytes of a log file to the current error message. */
static int s_err_log_tail(int code, const char *log)
{
    char buf[600] = "";
    int fd = open(log, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        off_t end = lseek(fd, 0, SEEK_END);
        off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;
        ssize_t n = pread(fd, buf, sizeof buf - 1, from);
        buf[n > 0 ? n : 0] = '\0';
        close(fd);
    }
    char msg[512];
    snprintf(msg, sizeof msg, "%s", al_err_msg());
    return al_err_set(code, "%s (log %s ends: %s)", msg, log, buf);
}

/* Builds argv for a PostgreSQL binary (or, for a prog starting with '/', that
 * system tool), wrapped in runuser when root. */
static void s_argv_build(const pg_harness_t *h, const char *prog, const char *const *args,
                         char *path, size_t path_size, const char **argv)
{
    int n = 0;
    if (prog[0] == '/')
        snprintf(path, path_size, "%s", prog);
    else
        snprintf(path, path_size, "%s/%s", h->bindir, prog);
    if (h->as_postgres) {
        argv[n++] = "runuser";
        argv[n++] = "-u";
        argv[n++] = "postgres";
        argv[n++] = "--";
    }
    argv[n++] = path;
    for (int i = 0; args[i] && n < ARGV_MAX - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
}

/* Runs a PostgreSQL binary with output appended to log; 0 on exit status 0. */
static int s_run(const pg_harness_t *h, const char *prog, const char *const *args, const char *log)
{
    char path[PATH_MAX + 32];
    const char *argv[ARGV_MAX];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = 0;
    s_argv_build(h, prog, args, path, sizeof path, argv);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addchdir_np(&fa, h->dir);
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) {
        errno = err;
        return al_err_set_errno(AL_EIO, "%s failed: cannot run %s", prog, argv[0]);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return al_err_set_errno(AL_EIO, "waitpid %s", prog);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        al_err_set(AL_EIO, "%s failed (status %d)", prog,
                   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return s_err_log_tail(AL_EIO, log);
    }
    return 0;
}

/* The watchdog: waits for EOF on fd 3, then stops the server and removes dir.
 * Runs in a forked child; uses only pre-built argv and async-signal-safe calls. */
static void s_watchdog_main(int rfd, const char *const *stop_argv, const char *const *rm_argv,
                            const char *dir)
{
    char c;
    setsid();
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    int null = open("/dev/null", O_RDWR);
    if (dup2(rfd, 3) < 0 || null < 0)
        _exit(2);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    close_range(4, ~0U, 0);
    for (;;) {
        ssize_t n = read(3, &c, 1);
        if (n == 0 || (n < 0 && errno != EINTR))
            break;
    }
    const char *const *steps[] = {stop_argv, rm_argv};
    for (int i = 0; i < 2; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(3);
            execvp(steps[i][0], (char *const *)steps[i]);
            _exit(127);
        }
        while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    struct stat st;
    _exit(stat(dir, &st) == 0 ? 1 : 0);
}

static int s_watchdog_spawn(pg_harness_t *h)
{
    int p[2];
    char path[PATH_MAX + 32];
    const char *stop_argv[ARGV_MAX];
    const char *stop_args[] = {"stop", "-D", h->datadir, "-m", "immediate", "-w", "-t", "60", NULL};
    const char *rm_argv[] = {"rm", "-rf", "--", h->dir, NULL};
    s_argv_build(h, "pg_ctl", stop_args, path, sizeof path, stop_argv);
    if (pipe2(p, O_CLOEXEC) != 0)
        return al_err_set_errno(AL_EIO, "pipe for the pg harness watchdog");
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return al_err_set_errno(AL_EIO, "fork the pg harness watchdog");
    }
    if (pid == 0) {
        close(p[1]);
        s_watchdog_main(p[0], stop_argv, rm_argv, h->dir);
    }
    close(p[0]);
    h->watch_fd = p[1];
    h->watchdog = pid;
    return 0;
}

/* $AIRLOCK_PG_TMPDIR, else /dev/shm when it is a tmpfs with room (a cluster
 * on tmpfs starts several times faster than on a slow disk), else /tmp. */
static const char *s_base_dir(void)
{
    const char *env = getenv("AIRLOCK_PG_TMPDIR");
    if (env && *env)
        return env;
    struct statfs fs;
    if (statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC &&
        (uint64_t)fs.f_bavail * (uint64_t)fs.f_bsize >= SHM_MIN_FREE &&
        access("/dev/shm", W_OK | X_OK) == 0)
        return "/dev/shm";
    return "/tmp";
}

static int s_dir_create(pg_harness_t *h)
{
    const char *base = s_base_dir();
    if (strlen(base) + strlen("/airlock-pg-XXXXXX") >= SOCKET_PATH_MAX - 16)
        return al_err_set(AL_ECONFIG, "AIRLOCK_PG_TMPDIR %s is too long for a unix socket path", base);
    snprintf(h->dir, sizeof h->dir, "%s/airlock-pg-XXXXXX", base);
    if (!mkdtemp(h->dir))
        return al_err_set_errno(AL_EIO, "mkdtemp %s", h->dir);
    snprintf(h->datadir, sizeof h->datadir, "%s/data", h->dir);
    snprintf(h->conninfo, sizeof h->conninfo, "host=%s port=5432 user=postgres dbname=airlock",
             h->dir);
    if (geteuid() != 0)
        return 0;
    struct passwd *pw = getpwnam("postgres");
    if (!pw) {
        rmdir(h->dir);
        return al_err_set(AL_ECONFIG, "running as root but there is no 'postgres' user to run "
                          "the server as (install the postgresql package)");
    }
    if (chown(h->dir, pw->pw_uid, pw->pw_gid) != 0) {
        int rc = al_err_set_errno(AL_EIO, "chown %s to postgres", h->dir);
        rmdir(h->dir);
        return rc;
    }
    h->as_postgres = 1;
    return 0;
}

int pg_harness_server_start(pg_harness_t *h)
{
    char log[SOCKET_PATH_MAX + 16], opts[SOCKET_PATH_MAX + 256];
    if (!h)
        return al_err_set(AL_EINVAL, "pg_harness_server_start: no harness");
    snprintf(log, sizeof log, "%s/server.log", h->dir);
    /* dynamic_shared_memory_type=mmap keeps DSM segments inside the data dir,
     * so an immediate stop leaves nothing behind in /dev/shm. */
    snprintf(opts, sizeof opts, "-c listen_addresses='' -k %s -c fsync=off "
             "-c synchronous_commit=off -c full_page_writes=off -c max_connections=40 "
             "-c dynamic_shared_memory_type=mmap "
             "-c shared_buffers=16MB", h->dir);
    const char *args[] = {"start", "-w", "-t", "120", "-D", h->datadir, "-l", log, "-o", opts, NULL};
    char ctl_log[SOCKET_PATH_MAX + 16];
    snprintf(ctl_log, sizeof ctl_log, "%s/pg_ctl.log", h->dir);
    int rc = s_run(h, "pg_ctl", args, ctl_log);
    return rc == 0 ? 0 : s_err_log_tail(rc, log);
}

int pg_harness_server_stop(pg_harness_t *h)
{
    char log[SOCKET_PATH_MAX + 16];
    if (!h)
        return al_err_set(AL_EINVAL, "pg_harness_server_stop: no harness");
    snprintf(log, sizeof log, "%s/pg_ctl.log", h->dir);
    const char *args[] = {"stop", "-w", "-t", "120", "-m", "fast", "-D", h->datadir, NULL};
    return s_run(h, "pg_ctl", args, log);
}

int pg_harness_restart(pg_harness_t *h)
{
    int rc = pg_harness_server_stop(h);
    return rc == 0 ? pg_harness_server_start(h) : rc;
}

static int s_initdb_into(pg_harness_t *h, const char *datadir)
{
    char log[SOCKET_PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/initdb.log", h->dir);
    const char *args[] = {"-D", datadir, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                          "--locale=C", "--no-sync", "--no-instructions", NULL};
    return s_run(h, "initdb", args, log);
}

/* The template cache: one pristine initdb result per binaries/user/options,
 * under $AIRLOCK_PG_TEMPLATE_DIR or the build tree (never /tmp), made once
 * (initdb into a private name, then an atomic rename) and copied with cp -a
 * for every harness. Fills path with the template's data dir. */
static int s_template_ready(pg_harness_t *h, char *path, size_t size)
{
    const char *parent = getenv("AIRLOCK_PG_TEMPLATE_DIR");
    if (!parent)
        parent = AIRLOCK_PG_TEMPLATE_DIR;
    if (!*parent || strcmp(parent, "off") == 0)
        return al_err_set(AL_ECONFIG, "template cache disabled");
    if (mkdir(parent, 0755) != 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "mkdir %s", parent);
    struct passwd *pw = h->as_postgres ? getpwnam("postgres") : NULL;
    if (pw && chown(parent, pw->pw_uid, pw->pw_gid) != 0)
        return al_err_set_errno(AL_EIO, "chown %s", parent);
    char key[PATH_MAX];
    int n = snprintf(key, sizeof key, "v1-%s-%s", h->bindir, h->as_postgres ? "postgres" : "user");
    for (int i = 0; i < n; i++)
        if (key[i] == '/')
            key[i] = '_';
    char probe[PATH_MAX + 64], tmp[PATH_MAX + 64];
    snprintf(path, size, "%s/%s", parent, key);
    if (snprintf(probe, sizeof probe, "%s/PG_VERSION", path) >= (int)sizeof probe)
        return al_err_set(AL_EINVAL, "template path too long: %s", path);
    if (access(probe, R_OK) == 0)
        return 0;
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return al_err_set(AL_EINVAL, "template path too long: %s", path);
    int rc = s_initdb_into(h, tmp);
    if (rc == 0 && rename(tmp, path) != 0 && access(probe, R_OK) != 0)
        rc = al_err_set_errno(AL_EIO, "rename %s", tmp);
    const char *rm_args[] = {"-rf", "--", tmp, NULL};
    char rm_log[SOCKET_PATH_MAX + 16];
    snprintf(rm_log, sizeof rm_log, "%s/initdb.log", h->dir);
    (void)s_run(h, "/bin/rm", rm_args, rm_log);   /* a lost race leaves tmp behind */
    return rc;
}

/* A fresh data dir: a copy of the template when possible, else initdb. */
static int s_initdb(pg_harness_t *h)
{
    char tpl[PATH_MAX + 64], log[SOCKET_PATH_MAX + 16];
    if (s_template_ready(h, tpl, sizeof tpl) == 0) {
        snprintf(log, sizeof log, "%s/initdb.log", h->dir);
        const char *args[] = {"-a", tpl, h->datadir, NULL};
        if (s_run(h, "/bin/cp", args, log) == 0) {
            h->from_template = 1;
            return 0;
        }
    }
    al_debug("pg_harness.template_unused", "reason=%s", al_err_msg());
    h->from_template = 0;
    const char *rm_args[] = {"-rf", "--", h->datadir, NULL};
    (void)s_run(h, "/bin/rm", rm_args, "/dev/null");
    return s_initdb_into(h, h->datadir);
}

static int s_database_create(pg_harness_t *h)
{
    char admin[SOCKET_PATH_MAX + 64];
    store_db_t *db = NULL;
    snprintf(admin, sizeof admin, "host=%s port=5432 user=postgres dbname=postgres", h->dir);
    int rc = store_db_connect(&db, admin);
    if (rc == 0)
        rc = store_db_run(db, "CREATE DATABASE airlock");
    store_db_destroy(&db);
    return rc;
}

int pg_harness_start(pg_harness_t **out)
{
    int rc;
    pg_harness_t *h = NULL;
    if (!out)
        return al_err_set(AL_EINVAL, "pg_harness_start: out is required");
    *out = NULL;
    h = calloc(1, sizeof *h);
    if (!h)
        return al_err_set(AL_ENOMEM, "pg_harness_start: out of memory");
    h->watch_fd = -1;
    rc = s_bindir_find(h->bindir, sizeof h->bindir);
    if (rc == 0)
        rc = s_dir_create(h);
    if (rc != 0) {
        free(h);
        return rc;
    }
    /* From here on the watchdog owns removal of h->dir. */
    rc = s_watchdog_spawn(h);
    if (rc != 0) {
        rmdir(h->dir);
        free(h);
        return rc;
    }
    double t0 = s_now_ms();
    rc = s_initdb(h);
    double t1 = s_now_ms();
    if (rc == 0)
        rc = pg_harness_server_start(h);
    h->initdb_ms = t1 - t0;
    h->start_ms = s_now_ms() - t1;
    if (rc == 0)
        rc = s_database_create(h);
    if (rc != 0) {
        int saved = al_err_code();
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", al_err_msg());
        pg_harness_stop(&h);
        return al_err_set(saved, "pg harness: %s", msg);
    }
    al_info("pg_harness.started", "dir=%s initdb_ms=%.0f start_ms=%.0f template=%d", h->dir,
            h->initdb_ms, h->start_ms, h->from_template);
    *out = h;
    return 0;
}

int pg_harness_stop(pg_harness_t **hp)
{
    int rc = 0, status = 0;
    if (!hp || !*hp)
        return 0;
    pg_harness_t *h = *hp;
    if (h->watch_fd >= 0)
        close(h->watch_fd);
    if (h->watchdog > 0) {
        while (waitpid(h->watchdog, &status, 0) < 0) {
            if (errno != EINTR) {
                rc = al_err_set_errno(AL_EIO, "waitpid pg harness watchdog");
                break;
            }
        }
        if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
            rc = al_err_set(AL_EIO, "pg harness watchdog could not remove %s", h->dir);
    }
    free(h);
    *hp = NULL;
    return rc;
}

const char *pg_harness_conninfo(const pg_harness_t *h) { return h ? h->conninfo : ""; }

const char *pg_harness_dir(const pg_harness_t *h) { return h ? h->dir : ""; }

double pg_harness_initdb_ms(const pg_harness_t *h) { return h ? h->initdb_ms : 0; }

double pg_harness_start_ms(const pg_harness_t *h) { return h ? h->start_ms : 0; }

int pg_harness_watchdog_pid(const pg_harness_t *h) { return h ? (int)h->watchdog : -1; }

int pg_harness_from_template(const pg_harness_t *h) { return h ? h->from_template : 0; }

int pg_harness_roles(pg_harness_t *h)
{
    static const char SQL[] =
        "DO $$ DECLARE r text[]; BEGIN "
        " FOREACH r SLICE 1 IN ARRAY ARRAY[['airlock_app', 'NOLOGIN', ''], ['airlock_signer', 'NOLOGIN', ''], "
        "   ['airlock_reader', 'NOLOGIN', ''], ['airlock', 'LOGIN', ''], ['airlockd', 'LOGIN', 'airlock_app'], "
        "   ['airlock_signerd', 'LOGIN', 'airlock_signer'], ['airlock_report', 'LOGIN', 'airlock_reader']] LOOP "
        "  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r[1]) THEN "
        "   EXECUTE format('CREATE ROLE %I %s', r[1], r[2]); "
        "   IF r[3] <> '' THEN EXECUTE format('GRANT %I TO %I', r[3], r[1]); END IF; "
        "  END IF; "
        " END LOOP; "
        "END $$; "
        "ALTER DATABASE airlock OWNER TO airlock";
    store_db_t *db = NULL;
    if (!h)
        return al_err_set(AL_EINVAL, "pg_harness_roles: no harness");
    int rc = store_db_connect(&db, h->conninfo);
    if (rc == 0)
        rc = store_db_run_script(db, SQL);
    store_db_destroy(&db);
    return rc;
}

int pg_harness_conninfo_as(const pg_harness_t *h, const char *user, char *buf, size_t size)
{
    int n = h && user ? snprintf(buf, size, "host=%s port=5432 user=%s dbname=airlock", h->dir, user) : -1;
    return n > 0 && (size_t)n < size ? 0 : al_err_set(AL_EINVAL, "pg_harness_conninfo_as: buffer too small");
}

int pg_harness_migrate(pg_harness_t *h)
{
    store_db_t *db = NULL;
    if (!h)
        return al_err_set(AL_EINVAL, "pg_harness_migrate: no harness");
    int rc = store_db_connect(&db, h->conninfo);
    if (rc == 0)
        rc = store_migrate(db, AIRLOCK_SOURCE_DIR "/sql");
    store_db_destroy(&db);
    return rc;
}
