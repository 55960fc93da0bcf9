/*
 * gvisor_spec.c: the OCI bundle (config.json) of one command in a gvisor sandbox.
 *
 * The container's process is the driver's init (gvisor_guest/init.c) as the
 * sandbox's root with CAP_SETUID and CAP_SETGID only and no_new_privs; it
 * starts the command as GV_WORKLOAD_ID. The root is read-only; on it:
 *   /proc        the Sentry's procfs (the container's processes only)
 *   /dev         the Sentry's device files (null, zero, full, random, urandom, tty, ...)
 *   /dev/shm /tmp  Sentry tmpfs of GV_TMP_MB, private to the command
 *   /usr /etc    (default environment) read-only binds of the host's /usr and
 *                the staged /etc; /bin, /lib ... are links in the root
 *   /.airlock    read-only: init and compat.so
 *   /workspace   read-write bind of the workspace tmpfs
 *   /run/airlock/egress.sock  (egress only) the task's proxy socket
 *   /run/airlock/seccomp.bpf  read-only: the syscall filter init installs
 *                for the command (the ns driver's deny list)
 * Limits inside: RLIMIT_NPROC = max_procs - 1 (the Sentry counts the uid's
 * processes, so a fork bomb gets EAGAIN; runsc 0.0~20221219 lets the count
 * reach limit + 1, measured, hence the - 1), RLIMIT_FSIZE = disk_mb,
 * RLIMIT_CORE = 0, RLIMIT_NOFILE = 1024. Memory, host tasks and CPU are the
 * cgroup's (gvisor_cgroup.c).
 */
#include "worker/sandbox/gvisor.h"
#include "common/error.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const s_defaults[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=/workspace", "USER=sandbox",
    "LOGNAME=sandbox", "LANG=C.UTF-8", "TMPDIR=/tmp", "SHELL=/bin/sh",
};

static int s_has_key(const char *const *env, const char *entry)
{
    size_t k = strcspn(entry, "=");
    for (size_t i = 0; env && env[i]; i++) {
        if (strncmp(env[i], entry, k + 1) == 0)
            return 1;
    }
    return 0;
}

/* Appends a string; 0, or -1 when it is not valid UTF-8 (or no memory). */
static int s_add(json_t *arr, const char *s)
{
    json_t *v = json_string(s);
    return v ? json_array_append_new(arr, v) : -1;
}

static json_t *s_env(const gv_spec_t *s)
{
    json_t *env = json_array();
    const char *const *req = s->req->env;
    int bad = !env;
    for (size_t i = 0; !bad && req && req[i]; i++) {
        if (strchr(req[i], '='))
            bad = s_add(env, req[i]) < 0;
    }
    for (size_t i = 0; !bad && i < sizeof s_defaults / sizeof s_defaults[0]; i++) {
        if (!s_has_key(req, s_defaults[i]))
            bad = s_add(env, s_defaults[i]) < 0;
    }
    const char *keys[] = { "http_proxy=", "https_proxy=", "HTTP_PROXY=", "HTTPS_PROXY=" };
    for (size_t i = 0; !bad && s->proxy_url && i < 4; i++) {
        char kv[600];
        snprintf(kv, sizeof kv, "%s%s", keys[i], s->proxy_url);
        if (!s_has_key(req, kv))
            bad = s_add(env, kv) < 0;
    }
    if (bad)
        json_decref(env);
    return bad ? NULL : env;
}

static json_t *s_args(const gv_spec_t *s)
{
    char id[16];
    snprintf(id, sizeof id, "%u", GV_WORKLOAD_ID);
    json_t *a = json_pack("[s,s,s,s,s,s,s]", GV_GUEST_MOUNT "/init", "--uid", id, "--gid", id, "--cwd",
                          s->req->cwd ? s->req->cwd : "/workspace");
    int bad = !a;
    if (!bad && s->egress_socket)
        bad = s_add(a, "--fwd") < 0 || s_add(a, GV_EGRESS_MOUNT) < 0;
    if (!bad)
        bad = s_add(a, "--preload") < 0 || s_add(a, GV_GUEST_MOUNT "/compat.so") < 0 ||
              s_add(a, "--seccomp") < 0 || s_add(a, GV_SECCOMP_MOUNT) < 0 || s_add(a, "--") < 0;
    for (size_t i = 0; !bad && s->req->argv[i]; i++)
        bad = s_add(a, s->req->argv[i]) < 0;
    if (bad)
        json_decref(a);
    return bad ? NULL : a;
}

static json_t *s_process(const gv_spec_t *s)
{
    json_t *args = s_args(s), *env = s_env(s);
    if (!args || !env) {
        json_decref(args);
        json_decref(env);
        return NULL;
    }
    const sandbox_limits_t *l = s->limits;
    json_int_t fsize = (json_int_t)l->disk_mb << 20;
    json_int_t nproc = l->max_procs > 1 ? (json_int_t)l->max_procs - 1 : 1;
    return json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:b, s:{s:[s,s], s:[s,s], s:[s,s], s:[], s:[]},"
                     " s:[{s:s, s:I, s:I}, {s:s, s:I, s:I}, {s:s, s:I, s:I}, {s:s, s:i, s:i}]}",
                     "terminal", 0, "user", "uid", 0, "gid", 0, "args", args, "env", env, "cwd", "/",
                     "noNewPrivileges", 1,
                     "capabilities", "bounding", "CAP_SETUID", "CAP_SETGID", "effective", "CAP_SETUID",
                     "CAP_SETGID", "permitted", "CAP_SETUID", "CAP_SETGID", "inheritable", "ambient",
                     "rlimits", "type", "RLIMIT_NPROC", "hard", nproc, "soft", nproc, "type", "RLIMIT_FSIZE", "hard", fsize, "soft", fsize,
                     "type", "RLIMIT_NOFILE", "hard", (json_int_t)1024, "soft", (json_int_t)1024,
                     "type", "RLIMIT_CORE", "hard", 0, "soft", 0);
}

static int s_mount(json_t *m, const char *dst, const char *type, const char *src, const char *opts)
{
    json_t *o = json_array();
    char buf[256];
    snprintf(buf, sizeof buf, "%s", opts);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); o && t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(o, json_string(t));
    json_t *e = json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src,
                          "options", o);
    return e ? json_array_append_new(m, e) : -1;
}

static json_t *s_mounts(const gv_spec_t *s)
{
    char tmp[64], shm[64];
    snprintf(tmp, sizeof tmp, "size=%um,mode=1777,nosuid,nodev", GV_TMP_MB);
    snprintf(shm, sizeof shm, "size=%um,mode=1777,nosuid,nodev,noexec", GV_TMP_MB);
    json_t *m = json_array();
    const char *ro = "rbind,ro,nosuid,nodev";
    int bad = !m || s_mount(m, "/proc", "proc", "proc", "nosuid,nodev,noexec") ||
              s_mount(m, "/dev", "tmpfs", "tmpfs", "nosuid,mode=0755") ||
              s_mount(m, "/dev/shm", "tmpfs", "shm", shm) || s_mount(m, "/tmp", "tmpfs", "tmpfs", tmp);
    if (!bad && s->etc_dir)
        bad = s_mount(m, "/usr", "bind", "/usr", ro) || s_mount(m, "/etc", "bind", s->etc_dir, ro);
    for (int i = 0; !bad && s->etc_dir && i < GV_FS_TOPS; i++) {
        char dst[16];
        snprintf(dst, sizeof dst, "/%s", gv_fs_tops[i]);
        if (s->bind_tops & (1u << i))
            bad = s_mount(m, dst, "bind", dst, ro);
    }
    if (!bad)
        bad = s_mount(m, GV_GUEST_MOUNT, "bind", s->guest_dir, ro) ||
              s_mount(m, "/workspace", "bind", s->ws, "rbind,rw,nosuid,nodev") ||
              s_mount(m, GV_SECCOMP_MOUNT, "bind", s->seccomp, ro);
    if (!bad && s->egress_socket)
        bad = s_mount(m, GV_EGRESS_MOUNT, "bind", s->egress_socket, "bind");
    if (bad)
        json_decref(m);
    return bad ? NULL : m;
}

int gv_spec_write(const gv_spec_t *s)
{
    json_t *proc = s_process(s), *mounts = proc ? s_mounts(s) : NULL;
    if (!proc || !mounts) {
        json_decref(proc);
        json_decref(mounts);
        return al_err_set(AL_EINVAL, "gvisor: command, environment or path is not valid UTF-8 (or no memory)");
    }
    json_t *spec = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:{s:[{s:s},{s:s},{s:s},{s:s},{s:s}]}}",
                             "ociVersion", "1.0.2", "process", proc, "root", "path", s->root, "readonly", 1,
                             "hostname", "airlock", "mounts", mounts, "linux", "namespaces", "type", "pid",
                             "type", "ipc", "type", "uts", "type", "mount", "type", "network");
    if (!spec)
        return al_err_set(AL_ENOMEM, "gvisor: bundle: out of memory");
    char path[PATH_MAX], tmp[PATH_MAX];
    snprintf(path, sizeof path, "%s/config.json", s->bundle_dir);
    snprintf(tmp, sizeof tmp, "%s/config.json.tmp", s->bundle_dir);
    int rc = json_dump_file(spec, tmp, JSON_COMPACT) == 0 && rename(tmp, path) == 0
                 ? 0 : al_err_set_errno(AL_EIO, "gvisor: write %s", path);
    json_decref(spec);
    return rc;
}
