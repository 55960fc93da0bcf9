/*
 * microvm_qemu.c: the host processes behind a microvm sandbox; with
 * microvm_vm.c the VM instance (microvm_vm.h), the bottom of the driver.
 *
 * Resolves the binaries (qemu, guest kernel, initramfs; overridable by
 * AIRLOCK_QEMU, AIRLOCK_KERNEL, AIRLOCK_INITRAMFS) and checks the kernel
 * (microvm_kernel.h), builds the qemu -M microvm command line (see
 * docs/SANDBOX.md for each flag), starts qemu with PR_SET_PDEATHSIG, jailed
 * (microvm_jail.h: its own uid, cgroup and mount namespace) with descriptors
 * instead of paths (socketpairs for QMP and the agent, fd sets for the disks),
 * speaks QMP (getfd included), and kills/reaps everything on destroy. qemu is
 * the only host process serving the guest: /usr is its own 9p server, read-only.
 * qemu's console and stderr go through pipes to a log keeper child that writes
 * the first MICROVM_LOG_MAX bytes of each to console.log / qemu.log and
 * discards the rest, so neither the guest nor the VMM can fill the host's disk
 * with logs. All fds it opens are owned by the microvm_t passed in.
 */
#include "worker/sandbox/microvm_vm.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "worker/sandbox/default_env.h"
#include "worker/sandbox/janitor.h"
#include "worker/sandbox/microvm_jail.h"
#include "worker/sandbox/microvm_kernel.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AIRLOCK_BUILD_DIR
#define AIRLOCK_BUILD_DIR "."
#endif

#define MAX_ARGS 96

static microvm_paths_t s_paths;
static char s_store[6][512];
static char s_version[128];
static int s_paths_rc;
static char s_paths_err[512];
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static const char *s_pick(int slot, const char *knob, const char *dflt)
{
    const char *v = sandbox_knob(knob);
    snprintf(s_store[slot], sizeof s_store[slot], "%s", v ? v : dflt);
    return s_store[slot];
}

static unsigned s_tsc_khz(void)
{
    const char *env = sandbox_knob("tsc_khz");
    if (env)
        return (unsigned)strtoul(env, NULL, 10);
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    double mhz = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0 && sscanf(strchr(line, ':') + 1, "%lf", &mhz) == 1)
            break;
    if (f)
        fclose(f);
    return (unsigned)(mhz * 1000.0);
}

static void s_version_probe(void)
{
    snprintf(s_version, sizeof s_version, "qemu-system-x86_64");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' --version 2>/dev/null", s_paths.qemu);
    FILE *p = popen(cmd, "r");
    char line[256];
    if (p && fgets(line, sizeof line, p)) {
        const char *v = strstr(line, "version ");
        if (v) {
            char ver[64] = "";
            sscanf(v + 8, "%63s", ver);
            snprintf(s_version, sizeof s_version, "qemu-system-x86_64 %s", ver);
        }
    }
    if (p)
        pclose(p);
}

static void s_resolve(void)
{
    const char *cache = sandbox_knob("kernel_cache_dir");
    if (!cache && (cache = getenv("AIRLOCK_CACHE_DIR")) && cache[0]) /* its old name */
        al_warn("sandbox.microvm.settings", "deprecated=AIRLOCK_CACHE_DIR use=AIRLOCK_KERNEL_CACHE_DIR");
    char kdefault[512];
    snprintf(kdefault, sizeof kdefault, "%s/kernel/current/vmlinux", cache && cache[0] ? cache : "/var/cache/airlock");
    s_paths.qemu = s_pick(0, "qemu", "/usr/bin/qemu-system-x86_64");
    s_paths.kernel = s_pick(1, "kernel", kdefault);
    s_paths.initramfs = s_pick(2, "initramfs", AIRLOCK_BUILD_DIR "/worker/guest/airlock-initramfs.cpio");
    s_paths.tsc_khz = s_tsc_khz();
    const char *need[] = { s_paths.qemu, s_paths.kernel, s_paths.initramfs };
    const char *what[] = { "qemu (AIRLOCK_QEMU)", "guest kernel (scripts/build-guest-kernel, AIRLOCK_KERNEL)",
                           "initramfs (build target airlock_initramfs, AIRLOCK_INITRAMFS)" };
    for (size_t i = 0; i < 3; i++) {
        if (access(need[i], R_OK) != 0) {
            snprintf(s_paths_err, sizeof s_paths_err, "microvm: no %s at %s", what[i], need[i]);
            s_paths_rc = AL_ENOTFOUND;
            return;
        }
    }
    int krc = microvm_kernel_check(s_paths.kernel);
    if (krc < 0) {
        snprintf(s_paths_err, sizeof s_paths_err, "%s", al_err_msg());
        s_paths_rc = krc;
        return;
    }
    const char *with_etc;
    if (default_env_initramfs(s_paths.initramfs, &with_etc) < 0) {
        snprintf(s_paths_err, sizeof s_paths_err, "microvm: %s", al_err_msg());
        s_paths_rc = AL_EIO;
        return;
    }
    s_paths.initramfs = with_etc; /* the agent, then the default environment's /etc */
    s_version_probe();
}

int microvm_paths(const microvm_paths_t **out)
{
    pthread_once(&s_once, s_resolve);
    *out = &s_paths;
    if (s_paths_rc < 0)
        return al_err_set(s_paths_rc, "%s", s_paths_err);
    return 0;
}

const char *microvm_qemu_version(void) { return s_version; }

int microvm_state_dir(microvm_t *vm, const char *parent)
{
    const char *p = parent && parent[0] ? parent : getenv("TMPDIR");
    if (!p || !p[0])
        p = "/tmp";
    if (asprintf(&vm->dir, "%s/airlock-vm-XXXXXX", p) < 0) {
        vm->dir = NULL;
        return al_err_set(AL_ENOMEM, "microvm: out of memory");
    }
    if (!mkdtemp(vm->dir)) {
        int rc = al_err_set_errno(AL_EIO, "microvm: mkdtemp %s", vm->dir);
        free(vm->dir);
        vm->dir = NULL;
        return rc;
    }
    int jrc = janitor_track(JANITOR_PATH, vm->dir);   /* removed even if the worker dies */
    if (jrc < 0)
        return jrc;
    if (asprintf(&vm->disk, "%s/ws.img", vm->dir) < 0) {
        vm->disk = NULL;
        return al_err_set(AL_ENOMEM, "microvm: out of memory");
    }
    if (vm->env_disk)
        return 0;
    /* No environment: an empty sparse disk of the environment disks' size, so
     * every VM has the same devices (a clone may be given an environment). */
    if (asprintf(&vm->env_disk, "%s/env-none.img", vm->dir) < 0) {
        vm->env_disk = NULL;
        return al_err_set(AL_ENOMEM, "microvm: out of memory");
    }
    int fd = open(vm->env_disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = fd < 0 || ftruncate(fd, (off_t)SANDBOX_ENV_IMAGE_BYTES) < 0
                 ? al_err_set_errno(AL_EIO, "microvm: create %s", vm->env_disk)
                 : 0;
    if (fd >= 0)
        close(fd);
    return rc;
}

typedef struct {
    const microvm_jail_t *jail;   /* NULL: not jailed (host tools on host-made files) */
    const char *const *binds;     /* host files the jailed process needs */
    int kvm;
} spawn_jail_t;

/* fork + exec with PR_SET_PDEATHSIG; keep[] fds survive exec. jail: enter it
 * (microvm_jail.h) right before exec. */
static pid_t s_spawn(char *const *argv, const int *keep, int nkeep, const char *log, const spawn_jail_t *jail)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int in = open("/dev/null", O_RDONLY);
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
        _exit(127);
    for (int i = 0; i < nkeep; i++)
        fcntl(keep[i], F_SETFD, 0);
    const char *step = "";
    int jrc = jail ? microvm_jail_enter(jail->jail, jail->binds, jail->kvm, parent, &step) : 0;
    if (jrc < 0) {
        dprintf(2, "airlock: qemu jail: %s: %s\n", step, strerror(-jrc));
        _exit(127);
    }
    execvp(argv[0], argv);
    dprintf(2, "airlock: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int microvm_run_tool(const char *const *argv, const char *log_path)
{
    pid_t pid = s_spawn((char *const *)argv, NULL, 0, log_path, NULL);
    if (pid < 0)
        return al_err_set_errno(AL_EIO, "microvm: fork for %s", argv[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return al_err_set(AL_EIO, "microvm: %s failed (status %d, see %s)", argv[0], st, log_path);
    return 0;
}

#define EXT4_INODE_BYTES 256u
#define ROOM_PER_INODE (16u * 1024u)   /* mke2fs' default ratio, for the room's files */

/* Room for the tree as it is (its blocks, one inode each, ~1.6 % for extent
 * blocks and group metadata), the job's disk_mb for what the stage writes, and
 * 4 MiB for the file system itself. */
void microvm_image_size(unsigned disk_mb, uint64_t tree_bytes, uint64_t tree_entries, unsigned *size_mb,
                        unsigned *inodes)
{
    uint64_t n = tree_entries + ((uint64_t)disk_mb << 20) / ROOM_PER_INODE + 256;
    if (n > UINT32_MAX / 2)
        n = UINT32_MAX / 2;
    uint64_t bytes = tree_bytes + tree_bytes / 64 + n * EXT4_INODE_BYTES + ((uint64_t)disk_mb << 20) + (4u << 20);
    uint64_t mb = (bytes + (1u << 20) - 1) >> 20;
    *size_mb = mb > UINT32_MAX ? UINT32_MAX : (unsigned)mb;
    *inodes = (unsigned)n;
}

int microvm_disk_create(const char *img, unsigned size_mb, unsigned inodes, const char *src_dir)
{
    char size[32], log[600], owner[64], nodes[24];
    snprintf(size, sizeof size, "%uM", size_mb);
    snprintf(nodes, sizeof nodes, "%u", inodes);
    snprintf(owner, sizeof owner, "root_owner=%d:%d", MICROVM_GUEST_UID, MICROVM_GUEST_UID);
    snprintf(log, sizeof log, "%s.log", img);
    const char *mk = access("/usr/sbin/mke2fs", X_OK) == 0 ? "/usr/sbin/mke2fs" : "mke2fs";
    const char *argv[] = { mk, "-q", "-F", "-t", "ext4", "-E", owner, "-m", "0", "-O", "^has_journal", "-N", nodes,
                           src_dir ? "-d" : img, src_dir ? src_dir : size, src_dir ? img : NULL,
                           src_dir ? size : NULL, NULL };
    return microvm_run_tool(argv, log);
}

int microvm_disk_resize(microvm_t *vm, unsigned size_mb, uint64_t deadline_ms)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "{\"execute\":\"block_resize\",\"arguments\":{\"device\":\"ws\",\"size\":%llu}}",
             (unsigned long long)size_mb << 20);
    int rc = microvm_qmp(vm, cmd, NULL, deadline_ms);
    if (rc < 0)
        return al_err_wrap(rc, "microvm: resize the workspace disk to %u MiB", size_mb);
    vm->ws_mb = size_mb;
    return 0;
}

typedef struct {
    char *v[MAX_ARGS + 1];
    char *owned[MAX_ARGS];
    int n, nowned;
} args_t;

static void s_arg(args_t *a, const char *s)
{
    if (a->n < MAX_ARGS)
        a->v[a->n++] = (char *)s;
}

static void s_argf(args_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_argf(args_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (s && a->nowned < MAX_ARGS) {
        a->owned[a->nowned++] = s;
        s_arg(a, s);
    } else {
        free(s);
    }
}

static void s_args_free(args_t *a)
{
    for (int i = 0; i < a->nowned; i++)
        free(a->owned[i]);
}

/* The descriptors a jailed qemu gets instead of paths (child ends). */
typedef struct {
    int console;              /* pipe to the log keeper, owned by the VM's uid */
    int qmp, cmd;             /* socketpair ends: -chardev socket,fd= */
    int ws_rw, ws_ro, env;    /* fd sets 1 (workspace) and 2 (environment) */
    int egr;                  /* the egress port's qemu end (lent: microvm_spawn owns it) */
} qemu_fds_t;

static void s_qemu_args(args_t *a, const microvm_t *vm, const microvm_launch_t *l, const microvm_paths_t *p,
                        const qemu_fds_t *fd)
{
    int backend = l->mode != MICROVM_BOOT_COLD;
    s_arg(a, p->qemu);
    s_arg(a, "-M");
    s_arg(a, backend ? "microvm,acpi=off,x-option-roms=off,memory-backend=mem" : "microvm,acpi=off,x-option-roms=off");
    s_arg(a, "-nodefaults"), s_arg(a, "-no-user-config"), s_arg(a, "-nographic"), s_arg(a, "-no-reboot");
    /* qemu's own seccomp filter, the same for every VM: egress needs no helper
     * process (the "egress" port below, microvm_egress.h) and the base VM saves
     * its state to a descriptor (getfd), not "exec:". */
    s_arg(a, "-sandbox");
    s_arg(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
    s_arg(a, "-accel");
    s_arg(a, vm->accel_kvm ? "kvm" : "tcg,tb-size=32");
    if (vm->accel_kvm)
        s_arg(a, "-cpu"), s_arg(a, "host");
    s_arg(a, "-smp"), s_argf(a, "%u", l->vcpus);
    s_arg(a, "-m"), s_argf(a, "%u", l->memory_mb);
    if (l->mode == MICROVM_BOOT_BASE)   /* the snapshot code's memfd */
        s_arg(a, "-object"), s_argf(a, "memory-backend-file,id=mem,size=%uM,mem-path=/proc/self/fd/%d,share=on",
                                    l->memory_mb, l->ram_fd);
    else if (l->mode == MICROVM_BOOT_CLONE) /* never share=on: that would write into the base */
        s_arg(a, "-object"), s_argf(a, "memory-backend-file,id=mem,size=%uM,mem-path=/proc/self/fd/%d,share=off",
                                    l->memory_mb, l->ram_fd);
    if (l->mode != MICROVM_BOOT_CLONE) {
        s_arg(a, "-kernel"), s_arg(a, p->kernel);
        s_arg(a, "-initrd"), s_arg(a, p->initramfs);
        char procev[48] = "";   /* the exec events' socket buffer, when a test shrinks it */
        if (sandbox_procev_rcvbuf() != SANDBOX_PROCEV_RCVBUF)
            snprintf(procev, sizeof procev, " airlock.procev_rcvbuf=%d", sandbox_procev_rcvbuf());
        s_arg(a, "-append");
        /* airlock.tcg: the agent runs commands without address randomization
         * (TCG's code cache is keyed by virtual address; docs/SANDBOX.md) */
        s_argf(a, "console=ttyS0 quiet reboot=t panic=-1 tsc_early_khz=%u tsc=reliable cryptomgr.notests "
                  "rdinit=/init%s%s%s",
               p->tsc_khz, l->mode == MICROVM_BOOT_BASE ? " airlock.usr=later" : "",
               vm->accel_kvm ? "" : " airlock.tcg", procev);
    }
    s_arg(a, "-global"), s_arg(a, "virtio-mmio.force-legacy=false");
    s_arg(a, "-chardev"), s_argf(a, "file,id=con,path=/proc/self/fd/%d", fd->console);   /* the log keeper */
    s_arg(a, "-serial"), s_arg(a, "chardev:con");
    s_arg(a, "-chardev"), s_argf(a, "socket,id=qmp,fd=%d", fd->qmp);
    s_arg(a, "-mon"), s_arg(a, "chardev=qmp,mode=control");
    s_arg(a, "-device"), s_arg(a, "virtio-serial-device");
    s_arg(a, "-chardev"), s_argf(a, "socket,id=cmd,fd=%d", fd->cmd);
    s_arg(a, "-device"), s_arg(a, "virtserialport,chardev=cmd,name=cmd");
    /* every VM has the egress port (poolable); its host side is our end of a
     * socketpair (no path: nothing to reach from the jail) */
    s_arg(a, "-chardev"), s_argf(a, "socket,id=egr,fd=%d", fd->egr);
    s_arg(a, "-device"), s_arg(a, "virtserialport,chardev=egr,name=egress");
    /* disks as fd sets: qemu opens read-only first, so set 1 has both modes */
    s_arg(a, "-add-fd"), s_argf(a, "fd=%d,set=1", fd->ws_rw);
    s_arg(a, "-add-fd"), s_argf(a, "fd=%d,set=1", fd->ws_ro);
    s_arg(a, "-add-fd"), s_argf(a, "fd=%d,set=2", fd->env);
    s_arg(a, "-drive"), s_arg(a, "id=ws,file=/dev/fdset/1,format=raw,if=none,cache=unsafe");
    s_arg(a, "-device"), s_arg(a, "virtio-blk-device,drive=ws");
    s_arg(a, "-drive"), s_arg(a, "id=env,file=/dev/fdset/2,format=raw,if=none,readonly=on");
    s_arg(a, "-device"), s_arg(a, "virtio-blk-device,drive=env,serial=airlock-env");
    s_arg(a, "-fsdev"), s_arg(a, "local,id=usrfs,path=/usr,security_model=none,readonly=on,multidevs=remap");
    s_arg(a, "-device"), s_arg(a, "virtio-9p-device,fsdev=usrfs,mount_tag=usr");
    if (l->mode == MICROVM_BOOT_CLONE)
        s_arg(a, "-incoming"), s_arg(a, "defer");
    a->v[a->n] = NULL;
}

/* Log keeper (child side, async-signal-safe): in[i] -> out[i], at most
 * MICROVM_LOG_MAX bytes each, then a marker; exits when every pipe is closed. */
static void __attribute__((noreturn)) s_log_main(int *in, const int *out, int n)
{
    static const char marker[] = "\n[airlock: log capped, the rest was discarded]\n";
    char buf[65536];
    unsigned left[2] = { MICROVM_LOG_MAX, MICROVM_LOG_MAX };
    for (int open_n = n; open_n > 0;) {
        struct pollfd p[2];
        for (int i = 0; i < n; i++)
            p[i] = (struct pollfd){ in[i], POLLIN, 0 };
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < n; i++) {
            if (!p[i].revents)
                continue;
            ssize_t r = read(in[i], buf, sizeof buf);
            if (r <= 0) {
                if (r < 0 && errno == EINTR)
                    continue;
                in[i] = -1;
                open_n--;
                continue;
            }
            size_t w = (size_t)r < left[i] ? (size_t)r : left[i];
            if (w && write(out[i], buf, w) < 0)
                left[i] = 0;
            else if (left[i] && (left[i] -= (unsigned)w) == 0 && write(out[i], marker, sizeof marker - 1) < 0)
                left[i] = 0;
        }
    }
    _exit(0);
}

static void s_log_stop(pid_t *pid);

/* Starts the log keeper for <dir>/console.log and <dir>/qemu.log; w[0], w[1]
 * get the pipes' write ends (close-on-exec: hand them on as keep fds). */
static int s_log_start(microvm_t *vm, int w[2])
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, p[2];
    w[0] = w[1] = -1;
    s_log_stop(&vm->log_pid);   /* a second spawn of the same VM */
    const char *names[2] = { "console.log", "qemu.log" };
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", vm->dir, names[i]);
        out[i] = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (out[i] < 0 || pipe2(p, O_CLOEXEC) < 0)
            rc = al_err_set_errno(AL_EIO, "microvm: log %s", path);
        else
            in[i] = p[0], w[i] = p[1];
    }
    pid_t parent = getpid();
    pid_t pid = rc == 0 ? fork() : -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        int fds[4] = { in[0], in[1], out[0], out[1] };
        for (int i = 0; i < 4; i++)   /* to 3..6, everything else closed */
            fds[i] = fcntl(fds[i], F_DUPFD, 100);
        for (int i = 0; i < 4; i++)
            dup2(fds[i], 3 + i);
        syscall(SYS_close_range, 7, ~0u, 0);
        int rin[2] = { 3, 4 }, rout[2] = { 5, 6 };
        s_log_main(rin, rout, 2);
    }
    if (rc == 0 && pid < 0)
        rc = al_err_set_errno(AL_EIO, "microvm: fork the log keeper");
    if (pid > 0)
        vm->log_pid = pid;
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0)
            close(in[i]);
        if (out[i] >= 0)
            close(out[i]);
        if (rc < 0 && w[i] >= 0)
            close(w[i]), w[i] = -1;
    }
    return rc;
}

/* The descriptors of a jailed qemu: sockets as socketpairs (ours[0] QMP,
 * ours[1] agent), disks opened here, the console pipe handed to its uid. */
static int s_qemu_fds(microvm_t *vm, int console, qemu_fds_t *fd, int ours[2])
{
    int sp[2][2] = { { -1, -1 }, { -1, -1 } };
    *fd = (qemu_fds_t){ console, -1, -1, -1, -1, -1, -1 };
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++)
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp[i]) < 0)
            rc = al_err_set_errno(AL_EIO, "microvm: socketpair");
    ours[0] = sp[0][0], fd->qmp = sp[0][1];
    ours[1] = sp[1][0], fd->cmd = sp[1][1];
    if (rc == 0 && ((fd->ws_rw = open(vm->disk, O_RDWR | O_CLOEXEC)) < 0 ||
                    (fd->ws_ro = open(vm->disk, O_RDONLY | O_CLOEXEC)) < 0))
        rc = al_err_set_errno(AL_EIO, "microvm: open %s", vm->disk);
    if (rc == 0 && (fd->env = open(vm->env_disk, O_RDONLY | O_CLOEXEC)) < 0)
        rc = al_err_set_errno(AL_EIO, "microvm: open %s", vm->env_disk);
    uid_t uid = microvm_jail_uid(vm->jail);
    if (rc == 0 && fchown(console, uid, uid) < 0)   /* qemu reopens it through /proc/self/fd */
        rc = al_err_set_errno(AL_EIO, "microvm: hand the console pipe to uid %u", (unsigned)uid);
    return rc;
}

static void s_qemu_fds_close(qemu_fds_t *fd)
{
    int *all[] = { &fd->qmp, &fd->cmd, &fd->ws_rw, &fd->ws_ro, &fd->env };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (*all[i] >= 0)
            close(*all[i]), *all[i] = -1;
}

/* Host files the jailed qemu opens by path (read-only binds at the same
 * path; the egress port and the disks are descriptors: nothing to bind). */
static void s_jail_binds(const microvm_paths_t *p, const char **binds)
{
    int n = 0;
    binds[n++] = p->qemu, binds[n++] = p->kernel, binds[n++] = p->initramfs;
    binds[n] = NULL;
}

int microvm_spawn(microvm_t *vm, const microvm_launch_t *l, uint64_t deadline_ms)
{
    const microvm_paths_t *p;
    int rc = microvm_paths(&p);
    if (rc < 0)
        return rc;
    const sandbox_limits_t *lim = &vm->base.info.limits;
    if (!vm->jail && (rc = microvm_jail_new(&vm->jail, l->vcpus, l->memory_mb, lim->disk_mb)) < 0)
        return rc;
    if (vm->background && microvm_jail_background(vm->jail, 1) < 0) {   /* only slower to make */
        al_warn("sandbox.microvm.background", "msg=\"CPU weight not lowered\" reason=\"%s\"", al_err_msg());
        al_err_clear();
    }
    char log[64];
    int logw[2] = { -1, -1 }, ours[2] = { -1, -1 }, egr[2] = { -1, -1 };
    const char *binds[MICROVM_JAIL_BINDS_MAX + 1];
    qemu_fds_t fd = { -1, -1, -1, -1, -1, -1, -1 };
    args_t a = { .n = 0 };
    if ((rc = s_log_start(vm, logw)) < 0)
        goto done;
    snprintf(log, sizeof log, "/proc/self/fd/%d", logw[1]);   /* opened in the child, before exec */
    if ((rc = s_qemu_fds(vm, logw[0], &fd, ours)) < 0)
        goto done;
    s_jail_binds(p, binds);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, egr) < 0) {
        rc = al_err_set_errno(AL_EIO, "microvm: egress socketpair");
        goto done;
    }
    fd.egr = egr[1];
    s_qemu_args(&a, vm, l, p, &fd);
    int keep[] = { fd.console, fd.qmp, fd.cmd, fd.ws_rw, fd.ws_ro, fd.env, fd.egr, l->ram_fd, l->incoming_fd };
    int nkeep = l->mode == MICROVM_BOOT_COLD ? 7 : l->mode == MICROVM_BOOT_BASE ? 8 : 9;
    spawn_jail_t jail = { vm->jail, binds, vm->accel_kvm };
    vm->qemu_pid = s_spawn(a.v, keep, nkeep, log, &jail);
    if (vm->qemu_pid < 0) {
        vm->qemu_pid = 0;
        rc = al_err_set_errno(AL_EIO, "microvm: fork qemu");
        goto done;
    }
    vm->qmp = ours[0], vm->chan = ours[1];
    ours[0] = ours[1] = -1;
    s_qemu_fds_close(&fd);   /* qemu holds its own: EOF here when it exits */
    rc = microvm_qmp(vm, "{\"execute\":\"qmp_capabilities\"}", NULL, deadline_ms);
done:
    s_qemu_fds_close(&fd);
    if ((rc == 0 || vm->qemu_pid > 0) && vm->egress_chan < 0)   /* our end of the egress port, for binding */
        vm->egress_chan = egr[0], egr[0] = -1;
    for (int i = 0; i < 2; i++) {   /* qemu holds its own copies */
        if (egr[i] >= 0)
            close(egr[i]);
        if (logw[i] >= 0)
            close(logw[i]);
        if (ours[i] >= 0)
            close(ours[i]);
    }
    s_args_free(&a);
    return rc < 0 ? rc : 0;
}

static int s_qmp_reply(microvm_t *vm, const char *what, microvm_qmp_reply_t *reply, uint64_t deadline_ms);

/* Hands fd to qemu as monitor descriptor `name` (QMP getfd, SCM_RIGHTS). */
int microvm_qmp_getfd(microvm_t *vm, const char *name, int fd, uint64_t deadline_ms)
{
    char cmd[160];
    int n = snprintf(cmd, sizeof cmd, "{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"%s\"}}\n", name);
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = { cmd, (size_t)n };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(vm->qmp, &msg, MSG_NOSIGNAL) != n)
        return al_err_set_errno(AL_EIO, "microvm: QMP getfd %s", name);
    return s_qmp_reply(vm, cmd, NULL, deadline_ms);
}

/* Reads one line from QMP into vm->qbuf; returns its length or an error. */
static int s_qmp_line(microvm_t *vm, uint64_t deadline_ms)
{
    for (;;) {
        char *nl = memchr(vm->qbuf, '\n', vm->qlen);
        if (nl)
            return (int)(nl - vm->qbuf) + 1;
        if (vm->qlen == sizeof vm->qbuf)
            return al_err_set(AL_EPROTO, "microvm: QMP line too long");
        uint64_t now = agent_now_ms();
        if (now >= deadline_ms)
            return al_err_set(AL_ETIMEOUT, "microvm: QMP did not answer in time");
        struct pollfd pf = { .fd = vm->qmp, .events = POLLIN };
        if (poll(&pf, 1, (int)(deadline_ms - now)) <= 0)
            continue;
        ssize_t n = read(vm->qmp, vm->qbuf + vm->qlen, sizeof vm->qbuf - vm->qlen);
        if (n == 0)
            return al_err_set(AL_ESANDBOX, "microvm: QMP closed (qemu exited?)");
        if (n < 0 && errno != EINTR)
            return al_err_set_errno(AL_EIO, "microvm: QMP read");
        if (n > 0)
            vm->qlen += (size_t)n;
    }
}

/* Reads up to the reply of `what` (NULL: the greeting), skipping events. */
static int s_qmp_reply(microvm_t *vm, const char *what, microvm_qmp_reply_t *reply, uint64_t deadline_ms)
{
    microvm_qmp_reply_t scratch;
    if (!reply)
        reply = &scratch;
    for (;;) {
        int len = s_qmp_line(vm, deadline_ms);
        if (len < 0)
            return len;
        int rc = microvm_qmp_reply_parse(vm->qbuf, (size_t)len - 1, reply);
        memmove(vm->qbuf, vm->qbuf + len, vm->qlen - (size_t)len);
        vm->qlen -= (size_t)len;
        if (rc < 0)
            return rc;
        if (reply->kind == MICROVM_QMP_ERROR)
            return al_err_set(AL_ESANDBOX, "microvm: QMP %s: %s", what ? what : "greeting", reply->detail);
        if (reply->kind == (what ? MICROVM_QMP_RETURN : MICROVM_QMP_GREETING))
            return 0;
        /* an asynchronous event (or a greeting we did not wait for): keep reading */
    }
}

int microvm_qmp(microvm_t *vm, const char *cmd_json, microvm_qmp_reply_t *reply, uint64_t deadline_ms)
{
    if (cmd_json) {
        size_t n = strlen(cmd_json);
        if (write(vm->qmp, cmd_json, n) != (ssize_t)n || write(vm->qmp, "\n", 1) != 1)
            return al_err_set_errno(AL_EIO, "microvm: QMP write");
    }
    return s_qmp_reply(vm, cmd_json, reply, deadline_ms);
}

static void s_kill(pid_t *pid)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGKILL);
    while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR) {
    }
    *pid = 0;
}

/* The log keeper ends at EOF once qemu is gone (a second at most), then is
 * killed. */
static void s_log_stop(pid_t *pid)
{
    if (*pid <= 0)
        return;
    int pfd = (int)syscall(SYS_pidfd_open, *pid, 0);
    struct pollfd p = { pfd, POLLIN, 0 };
    if (pfd >= 0) {
        while (poll(&p, 1, 1000) < 0 && errno == EINTR) {
        }
        close(pfd);
    }
    s_kill(pid);
}

void microvm_kill(microvm_t *vm)
{
    microvm_egress_stop(&vm->egress);   /* its thread polls egress_chan: stop it before closing */
    pthread_mutex_lock(&vm->kill_mu);   /* no interrupt signals a reaped (reusable) pid */
    s_kill(&vm->qemu_pid);
    pthread_mutex_unlock(&vm->kill_mu);
    microvm_jail_destroy(&vm->jail);   /* what qemu left, its cgroup, its uid */
    s_log_stop(&vm->log_pid);
    if (vm->chan >= 0)
        close(vm->chan);
    if (vm->qmp >= 0)
        close(vm->qmp);
    if (vm->egress_chan >= 0)
        close(vm->egress_chan);
    vm->chan = vm->qmp = vm->egress_chan = -1;
}

void microvm_interrupt(microvm_t *vm)
{
    pthread_mutex_lock(&vm->kill_mu);
    vm->interrupted = 1;
    if (vm->qemu_pid > 0)
        kill(vm->qemu_pid, SIGKILL);   /* the agent channel closes: the exec returns */
    pthread_mutex_unlock(&vm->kill_mu);
}

static int s_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

int microvm_rm_rf(const char *path)
{
    if (!path)
        return 0;
    if (nftw(path, s_rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
        return al_err_set_errno(AL_EIO, "microvm: remove %s", path);
    return 0;
}
