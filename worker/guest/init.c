/*
 * init.c: airlock-init, the static guest agent that runs as PID 1 in every
 * Airlock microVM.
 *
 * Boot: mounts devtmpfs, proc, sysfs, cgroup2 and a private /tmp on the tmpfs
 * rootfs; the host's /usr read-only (qemu's 9p share "usr", nosuid, nodev) with
 * bin/lib/lib64/sbin symlinks into it (never the host's /); a minimal /etc
 * with an unprivileged `sandbox` user; lo (eth0 = 10.0.2.15/24 via 10.0.2.2
 * only when qemu gave the VM a network device, which the microvm driver no
 * longer does: egress goes through the "egress" port, egress_fwd.c). Then it finds the
 * virtio-serial port named "cmd", makes the first command's process
 * (init_prefork.c), sends READY and serves requests (see
 * agent_proto.h) one at a time until SHUTDOWN. Owns every fd it opens; the
 * workload never runs as root.
 */
#include "worker/guest/init.h"
#include "worker/guest/tree.h"
#include "common/error.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <linux/random.h>
#include <net/if.h>
#include <net/route.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int s_mount_usr(void);
static int s_cmdline_has(const char *word);

static void s_mount(const char *src, const char *dst, const char *type, unsigned long fl, const char *opt)
{
    mkdir(dst, 0755);
    if (mount(src, dst, type, fl, opt) < 0)
        init_log("mount %s on %s: %s", type, dst, strerror(errno));
}

/* /etc normally arrives with the initramfs (the worker appends the default
 * environment's staged /etc, worker/sandbox/default_env.h); these are the
 * fallbacks for a bare initramfs, written only where nothing is. */
static void s_setup_etc(void)
{
    static const char *const files[][2] = {
        { "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                         "sandbox:x:1000:1000:sandbox:/workspace:/bin/sh\n"
                         "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" },
        { "/etc/group", "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n" },
        { "/etc/hosts", "127.0.0.1 localhost airlock\n" },
        { "/etc/resolv.conf", "" },
        { "/etc/hostname", "airlock\n" },
        { "/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n" },
    };
    mkdir("/etc", 0755);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (access(files[i][0], F_OK) != 0)
            init_write_file(files[i][0], files[i][1]);
    }
    sethostname("airlock", 7);
}

static void s_setup_fs(void)
{
    /* The initramfs root comes with whatever mode the build's staging dir had:
     * the workload must not be able to create files next to /etc and /usr. */
    if (chown("/", 0, 0) < 0 || chmod("/", 0755) < 0)
        init_log("securing /: %s", strerror(errno));
    s_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
    int con = open("/dev/console", O_RDWR);
    if (con >= 0) {
        dup2(con, 0);
        dup2(con, 1);
        dup2(con, 2);
        if (con > 2)
            close(con);
    }
    s_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    s_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    /* favordynmods: moving each command into the job cgroup otherwise waits
     * for an RCU grace period after every idle spell (~25 ms, docs/SANDBOX.md);
     * a kernel older than 6.0 refuses the option and gets the plain mount */
    mkdir("/sys/fs/cgroup", 0755);
    if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "favordynmods") < 0)
        s_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    s_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=50%");
    s_mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=10%");
    s_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666");
    mkdir("/usr", 0755);
    /* a snapshot base never mounts /usr (a mounted 9p share blocks migration) */
    if (!s_cmdline_has("airlock.usr=later") && s_mount_usr() < 0)
        init_log("mount /usr: %s", strerror(errno));
    const char *links[] = { "bin", "lib", "lib64", "sbin", "lib32", "libx32" };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        char target[32];
        snprintf(target, sizeof target, "usr/%s", links[i]);
        char path[40];
        snprintf(path, sizeof path, "/%s", links[i]);
        (void)symlink(target, path);
    }
    s_setup_etc();
    mkdir("/root", 0700);
    mkdir("/workspace", 0755);
    (void)chown("/workspace", INIT_SANDBOX_UID, INIT_SANDBOX_UID);
    mkdir(INIT_CGROUP, 0755);
    if (init_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+pids +memory") < 0)
        init_log("cgroup controllers: %s", strerror(errno));
    /* x86 always builds perf events: no unprivileged perf_event_open at all
     * (Debian's level 3); no kernel addresses or log for the workload. */
    const char *sysctls[][2] = { { "/proc/sys/kernel/perf_event_paranoid", "3" },
                                 { "/proc/sys/kernel/kptr_restrict", "2" },
                                 { "/proc/sys/kernel/dmesg_restrict", "1" } };
    for (size_t i = 0; i < sizeof sysctls / sizeof sysctls[0]; i++)
        if (init_write_file(sysctls[i][0], sysctls[i][1]) < 0)
            init_log("%s: %s", sysctls[i][0], strerror(errno));
}

static void s_setup_net(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    init_ifreq(s, "lo", 0, NULL);
    if (access("/sys/class/net/eth0", F_OK) == 0) {
        if (init_ifreq(s, "eth0", SIOCSIFADDR, "10.0.2.15") < 0 ||
            init_ifreq(s, "eth0", SIOCSIFNETMASK, "255.255.255.0") < 0 || init_ifreq(s, "eth0", 0, NULL) < 0)
            init_log("eth0: %s", strerror(errno));
        struct rtentry rt;
        memset(&rt, 0, sizeof rt);
        struct sockaddr_in *gw = (struct sockaddr_in *)&rt.rt_gateway;
        gw->sin_family = AF_INET;
        inet_pton(AF_INET, "10.0.2.2", &gw->sin_addr);
        ((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
        ((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
        rt.rt_flags = RTF_UP | RTF_GATEWAY;
        if (ioctl(s, SIOCADDRT, &rt) < 0)
            init_log("default route: %s", strerror(errno));
    }
    close(s);
}

static int s_chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    (void)lchown(path, INIT_SANDBOX_UID, INIT_SANDBOX_UID);
    return 0;
}

/* Waits until the disk behind fd shows `bytes` (the host resized it: the
 * capacity change reaches the guest a moment later); ETIMEDOUT after 5 s. */
static int s_disk_size_wait(int fd, uint64_t bytes)
{
    for (int i = 0; bytes && i < 2500; i++) {
        uint64_t now = 0;
        if (ioctl(fd, BLKGETSIZE64, &now) < 0)
            return -1;
        if (now == bytes)
            return 0;
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
    return bytes ? (errno = ETIMEDOUT, -1) : 0;
}

/* Mounts /dev/vda on /workspace (inside the environment's root once there
 * is one), every file owned by the sandbox user; disk_bytes (MOUNT): the
 * size the host made the disk, waited for. */
static int s_workspace(init_ctx_t *c, int mount_it, uint64_t disk_bytes)
{
    char ws[64];
    snprintf(ws, sizeof ws, "%s/workspace", c->root);
    if (!mount_it) {
        sync();
        int rc = umount(ws);
        if (rc == 0)
            c->ws_mounted = 0;
        return rc;
    }
    int fd = open("/dev/vda", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (s_disk_size_wait(fd, disk_bytes) < 0) {
        int e = errno;
        close(fd);
        return errno = e, -1;
    }
    (void)ioctl(fd, BLKFLSBUF, 0); /* drop blocks cached before the host wrote the image */
    close(fd);
    if (mount("/dev/vda", ws, "ext4", MS_NOSUID | MS_NODEV, NULL) < 0)
        return -1;
    c->ws_mounted = 1;
    return nftw(ws, s_chown_one, 16, FTW_PHYS) < 0 ? -1 : 0;
}

/* "/dev/vdX" of the disk whose virtio serial is `serial`; -1 when none. */
static int s_disk_by_serial(const char *serial, char *dev, size_t size)
{
    DIR *d = opendir("/sys/block");
    struct dirent *e;
    int found = -1;
    while (d && found < 0 && (e = readdir(d))) {
        char path[300], buf[64] = "";
        if (strncmp(e->d_name, "vd", 2) != 0)
            continue;
        snprintf(path, sizeof path, "/sys/block/%s/serial", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (fd >= 0)
            close(fd);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        if (strcmp(buf, serial) == 0 && (size_t)snprintf(dev, size, "/dev/%s", e->d_name) < size)
            found = 0;
    }
    if (d)
        closedir(d);
    return found;
}

/* ENV_ROOT: the environment disk (erofs, read-only) becomes the root every
 * later command is chrooted into, with its own /proc, /dev, /tmp and /run;
 * the workspace is then mounted at /env/workspace. Before MOUNT only. */
static int s_env_root(init_ctx_t *c)
{
    char dev[64];
    if (c->root[0] || c->ws_mounted)
        return errno = EBUSY, -1;
    if (s_disk_by_serial(INIT_ENV_SERIAL, dev, sizeof dev) < 0)
        return errno = ENODEV, -1;
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    (void)ioctl(fd, BLKFLSBUF, 0);   /* a restored clone cached the base's empty disk */
    close(fd);
    mkdir(INIT_ENV_ROOT, 0755);
    if (mount(dev, INIT_ENV_ROOT, "erofs", MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        return -1;
    if (mount("proc", INIT_ENV_ROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
        mount("/dev", INIT_ENV_ROOT "/dev", NULL, MS_BIND | MS_REC, NULL) < 0 ||
        mount("tmpfs", INIT_ENV_ROOT "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=50%") < 0 ||
        mount("tmpfs", INIT_ENV_ROOT "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m") < 0)
        return -1;
    c->root = INIT_ENV_ROOT;
    return 0;
}

/* The host's /usr, read-only, from qemu's 9p server. */
static int s_mount_usr(void)
{
    const unsigned long fl = MS_RDONLY | MS_NOSUID | MS_NODEV;
    return mount("usr", "/usr", "9p", fl, "trans=virtio,version=9p2000.L,cache=loose,msize=262144");
}

/* 1 when the kernel command line holds `word` (e.g. airlock.usr=later). */
static int s_cmdline_has(const char *word)
{
    char buf[2048];
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return strstr(buf, word) != NULL;
}

static int s_entropy(const agent_msg_t *rq)
{
    size_t n = rq->data_len > 512 ? 512 : rq->data_len;
    struct {
        struct rand_pool_info info;
        unsigned char buf[512];
    } p;
    p.info.entropy_count = (int)(n * 8);
    p.info.buf_size = (int)n;
    memcpy(p.buf, rq->data, n);
    int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = ioctl(fd, RNDADDENTROPY, &p.info);
    close(fd);
    return rc;
}

typedef struct {
    init_ctx_t *c;
    uint64_t id;
} tree_ctx_t;

static int s_tree_emit(void *arg, const tree_entry_t *e)
{
    tree_ctx_t *t = arg;
    agent_msg_t m = { .type = AGENT_MSG_TREE, .id = t->id, .kind = e->kind, .path = (char *)e->path,
                      .mode = e->mode, .data = (unsigned char *)e->data, .data_len = e->len };
    if (agent_frame_send(t->c->port, &m) < 0) {
        init_log("tree entry not sent: %s", al_err_msg());
        return 1;
    }
    return 0;
}

/* TREE_OUT: the mounted workspace as a tree stream (tree.h), lost+found
 * left out; the host writes it. No workload process runs between commands. */
static int s_tree_out(init_ctx_t *c, uint64_t id)
{
    char ws[64];
    snprintf(ws, sizeof ws, "%s/workspace", c->root);
    if (!c->ws_mounted)
        return errno = ENXIO, -1;
    int fd = open(ws, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    tree_ctx_t t = { c, id };
    int rc = tree_walk(fd, "lost+found", s_tree_emit, &t);
    close(fd);
    if (rc > 0)
        return errno = EPIPE, -1;
    return rc < 0 ? (errno = -rc, -1) : 0;
}

/* Handles one request. Returns 1 after SHUTDOWN. */
static int s_handle(init_ctx_t *c, const agent_msg_t *rq)
{
    int rc = 0;
    switch (rq->type) {
    case AGENT_MSG_EXEC: init_exec_run(c, rq); return 0;
    case AGENT_MSG_PING: break;
    case AGENT_MSG_SYNC: sync(); break;
    case AGENT_MSG_MOUNT: rc = s_workspace(c, 1, rq->disk_bytes); break;
    case AGENT_MSG_UMOUNT: rc = s_workspace(c, 0, 0); break;
    case AGENT_MSG_ENV_ROOT:
        rc = s_env_root(c);
        if (rc == 0) { /* commands now run in the environment's root */
            init_prefork_drop(c);
            init_prefork_make(c);
        }
        break;
    case AGENT_MSG_ENTROPY: rc = s_entropy(rq); break;
    case AGENT_MSG_MOUNT_USR: rc = s_mount_usr(); break;
    case AGENT_MSG_TREE_OUT: rc = s_tree_out(c, rq->id); break;
    case AGENT_MSG_EGRESS: rc = init_egress_start(c); break;
    case AGENT_MSG_SET_TIME: {
        struct timespec ts = { .tv_sec = rq->sec, .tv_nsec = (long)(rq->nsec % 1000000000u) };
        rc = clock_settime(CLOCK_REALTIME, &ts);
        break;
    }
    case AGENT_MSG_SHUTDOWN:
        init_reply_ok(c, rq->id);
        sync();
        reboot(RB_AUTOBOOT);
        return 1;
    default:
        init_reply_err(c, rq->id, "unexpected %s request", agent_msg_type_name(rq->type));
        return 0;
    }
    if (rc < 0)
        init_reply_err(c, rq->id, "%s: %s", agent_msg_type_name(rq->type), strerror(errno));
    else
        init_reply_ok(c, rq->id);
    return 0;
}

static void s_serve(init_ctx_t *c)
{
    agent_reader_t *rd = agent_reader_new();
    if (!rd)
        return;
    for (;;) {
        agent_msg_t rq;
        int rc = agent_reader_next(rd, &rq);
        if (rc < 0) {
            init_log("bad frame from host: %s", al_err_msg());
            break;
        }
        if (rc == 1) {
            int stop = s_handle(c, &rq);
            agent_msg_clear(&rq);
            if (stop)
                break;
            continue;
        }
        struct pollfd p[3] = { { .fd = c->port, .events = POLLIN }, { .fd = c->procev, .events = POLLIN },
                               { .fd = c->sigchld, .events = POLLIN } };
        if (poll(p, 3, -1) < 0)
            continue;
        if (p[1].revents & POLLIN)
            init_procev_drain(c);
        if (p[2].revents & POLLIN)
            init_reap(c);
        if (p[0].revents & (POLLIN | POLLHUP)) {
            rc = agent_reader_fill(rd, c->port);
            if (rc < 0 && rc != AL_EAGAIN) {
                /* host side not connected (yet / any more): wait for it */
                struct timespec ts = { 0, 50 * 1000000 };
                nanosleep(&ts, NULL);
            }
        }
    }
    agent_reader_destroy(&rd);
}

int main(void)
{
    init_ctx_t c = { .port = -1, .procev = -1, .sigchld = -1, .root = "", .egress_pid = -1,
                     .prefork = { .pid = -1, .ctl = -1, .fds = { -1, -1 } } };
    s_setup_fs();
    s_setup_net();
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    c.sigchld = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
    /* Real-time priority, reset in every child: on an exec event init runs
     * before the new program can finish, so /proc/<pid> is still there. */
    struct sched_param sp = { .sched_priority = 10 };
    if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp) < 0)
        init_log("SCHED_FIFO: %s", strerror(errno));
    /* Under TCG, translated code is cached by virtual address: randomized
     * mappings made every exec translate ld.so and libc again (docs/SANDBOX.md). */
    c.fixed_layout = s_cmdline_has("airlock.tcg");
    c.procev = init_procev_open();
    if (c.procev < 0)
        init_log("proc connector unavailable: %s", strerror(errno));
    /* every command runs under it; without it, commands are refused (init_exec.c) */
    if (workload_seccomp_build(&c.bpf) < 0)
        init_log("workload syscall filter: %s", al_err_msg());
    c.port = init_open_port("cmd");
    if (c.port < 0) {
        init_log("no virtio-serial port named cmd");
        reboot(RB_AUTOBOOT);
        return 1;
    }
    /* the first command's process, in the snapshot a pool's clones start from */
    init_prefork_make(&c);
    struct utsname u;
    uname(&u);
    agent_msg_t ready = { .type = AGENT_MSG_READY, .version = AGENT_PROTO_VERSION, .text = u.release };
    if (agent_frame_send(c.port, &ready) < 0)
        init_log("ready not sent: %s", al_err_msg());
    s_serve(&c);
    sync();
    reboot(RB_AUTOBOOT);
    return 0;
}
