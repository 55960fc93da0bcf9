/*
 * microvm_snapshot.c: restoring microVMs as copy-on-write clones of a
 * snapshotted base VM (MICROVM-NOTES "Restoring copy-on-write clones").
 *
 * Once per process (first microvm create without network, when the kernel has
 * 9p) a base VM boots with its RAM in a memfd (memory-backend-file through
 * /proc/self/fd/N, share=on) and does not mount /usr (a mounted 9p share
 * blocks migration). Over QMP it is stopped and migrated with x-ignore-shared
 * into a memfd handed over with getfd: only the device state (~100 KB) is
 * written; it is kept in memory. Once the base's qemu is gone the RAM memfd
 * is sealed (F_SEAL_WRITE, SHRINK, GROW, SEAL): nothing can change it again,
 * and nothing is left on any file system if the worker dies. Each clone's
 * qemu, jailed under its own uid (microvm_jail.h), maps it private (share=off:
 * copy-on-write; a sealed memfd refuses shared writable mappings and writes)
 * through /proc/self/fd/N, starts with -incoming defer, loads the device
 * state from a memfd (migrate-incoming fd:N) and
 * continues. Before any task command the guest clock is set, the guest RNG
 * reseeded with host entropy, /usr mounted (9p, read-only) and the per-task
 * workspace disk mounted. A failed restore boots that sandbox cold; three in
 * a row pause clones for a minute (microvm_clone_pause_ms), then they are
 * tried again; a base that cannot be made disables them for the process.
 * Owns the process-wide base (RAM fd, device state, mutex); each clone's
 * files belong to its microvm_t. Built on the VM instance (microvm_vm.h)
 * and the KVM probe; only the driver ops call it.
 */
#include "worker/sandbox/microvm_snapshot.h"
#include "worker/sandbox/microvm_vm.h"
#include "worker/sandbox/kvm_probe.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SNAP_TIMEOUT_MS 60000u

#define CLONE_STRIKES 3   /* restores failing in a row before clones pause */

static struct {
    pthread_mutex_t mu;
    int state;              /* 0 not tried, 1 ready, <0 failed (never retried) */
    unsigned failures;      /* clone restores that failed in a row */
    uint64_t paused_until;  /* agent_now_ms() before which creates boot cold */
    int ram_fd;
    char *dev;              /* device state from migrate */
    size_t dev_len;
    unsigned vcpus, memory_mb, disk_mb;
    int kvm;
    char *kernel;
} s_base = { .mu = PTHREAD_MUTEX_INITIALIZER, .ram_fd = -1 };

/* How long clones pause after CLONE_STRIKES failed restores (a loaded host
 * times restores out; a broken one fails them): knob microvm_clone_pause_ms. */
static uint64_t s_clone_pause_ms(void)
{
    const char *e = sandbox_knob("microvm_clone_pause_ms");
    return e ? strtoull(e, NULL, 10) : 60000u;
}

static int s_qmp_ok(microvm_t *vm, const char *cmd, uint64_t deadline)
{
    return microvm_qmp(vm, cmd, NULL, deadline);
}

static void s_pause_2ms(void)
{
    struct timespec ts = { 0, 2 * 1000000 };
    nanosleep(&ts, NULL);
}

/* Polls query-migrate until the outgoing migration has completed. */
static int s_migration_completed(microvm_t *vm, uint64_t deadline)
{
    for (;;) {
        microvm_qmp_reply_t r;
        int rc = microvm_qmp(vm, "{\"execute\":\"query-migrate\"}", &r, deadline);
        if (rc < 0)
            return rc;
        if (!strcmp(r.status, "completed"))
            return 0;
        if (!strcmp(r.status, "failed") || !strcmp(r.status, "cancelled"))
            return al_err_set(AL_ESANDBOX, "microvm: saving the base VM: migration %s", r.status);
        s_pause_2ms();
    }
}

/* The saved device state, read back from its memfd. */
static int s_read_state(int fd, char **out, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) != 0)
        return al_err_set_errno(AL_EIO, "microvm: device state");
    if (!(*out = malloc((size_t)st.st_size + 1)))
        return al_err_set(AL_ENOMEM, "microvm: out of memory");
    if (read(fd, *out, (size_t)st.st_size) != (ssize_t)st.st_size)
        return al_err_set_errno(AL_EIO, "microvm: short read of the device state");
    *len = (size_t)st.st_size;
    return 0;
}

/* Stops the base VM and migrates its device state into a memfd (getfd:
 * no process is spawned, qemu writes to the descriptor). */
static int s_base_save(microvm_t *vm, uint64_t deadline)
{
    int fd = memfd_create("airlock-base-state", MFD_CLOEXEC);
    int rc = fd < 0 ? al_err_set_errno(AL_EIO, "microvm: device state memfd") : 0;
    if (rc == 0)
        rc = s_qmp_ok(vm, "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
                          "[{\"capability\":\"x-ignore-shared\",\"state\":true}]}}", deadline);
    if (rc == 0)
        rc = s_qmp_ok(vm, "{\"execute\":\"stop\"}", deadline);
    if (rc == 0)
        rc = microvm_qmp_getfd(vm, "devstate", fd, deadline);
    if (rc == 0)
        rc = s_qmp_ok(vm, "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"fd:devstate\"}}", deadline);
    if (rc == 0)
        rc = s_migration_completed(vm, deadline);
    if (rc == 0)
        rc = s_read_state(fd, &s_base.dev, &s_base.dev_len);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* The base RAM: a memfd of memory_mb MiB, sealable once the base is gone. */
static int s_base_ram(unsigned memory_mb)
{
    int fd = memfd_create("airlock-base-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ftruncate(fd, (off_t)memory_mb << 20) < 0) {
        int rc = al_err_set_errno(AL_EIO, "microvm: base RAM memfd");
        if (fd >= 0)
            close(fd);
        return rc;
    }
    return fd;
}

/* Boots the base VM, snapshots it, keeps RAM fd + device state. The RAM is
 * sealed against writes once the base's qemu is gone: a clone (another uid)
 * can map it only privately, copy-on-write, and never change it. */
static int s_base_boot(const sandbox_spec_t *spec)
{
    sandbox_spec_t base_spec = *spec;
    base_spec.env = NULL;   /* the base serves every environment: its env disk is the empty one */
    microvm_t *vm = microvm_alloc(&base_spec);
    int rc = vm ? 0 : al_err_code(), ram = -1;
    const sandbox_limits_t *l = vm ? &vm->base.info.limits : NULL;
    if (rc == 0 && (rc = ram = s_base_ram(l->memory_mb)) >= 0) {
        vm->accel_kvm = microvm_kvm_usable();
        rc = microvm_state_dir(vm, spec->state_dir);
    }
    if (rc == 0)
        rc = microvm_disk_create_empty(vm);
    uint64_t deadline = agent_now_ms() + microvm_boot_timeout_ms();
    microvm_launch_t launch = { .mode = MICROVM_BOOT_BASE, .ram_fd = ram, .incoming_fd = -1,
                                .vcpus = l ? l->vcpus : 1, .memory_mb = l ? l->memory_mb : 256 };
    if (rc == 0 && (rc = microvm_spawn(vm, &launch, deadline)) == 0)
        rc = microvm_wait_ready(vm, deadline);
    if (rc == 0)
        rc = s_base_save(vm, deadline);
    if (rc == 0) {
        s_base.vcpus = l->vcpus;
        s_base.memory_mb = l->memory_mb;
        s_base.disk_mb = vm->disk_mb;
        s_base.kvm = vm->accel_kvm;
        s_base.kernel = vm->kernel_release;
        vm->kernel_release = NULL;
    }
    microvm_free(vm);   /* the base's qemu is gone: no shared mapping of the RAM is left */
    if (rc == 0 && fcntl(ram, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
        rc = al_err_set_errno(AL_EIO, "microvm: seal the base RAM");
    if (rc == 0)
        s_base.ram_fd = ram;
    else if (ram >= 0)
        close(ram);
    return rc;
}

/* The base for this spec, booting it on first use; AL_ENOTFOUND when clones
 * cannot serve this spec. Called with s_base.mu held. */
static int s_base_get(const sandbox_spec_t *spec)
{
    if (s_base.state == 0) {
        uint64_t t0 = agent_now_ms();
        int rc = s_base_boot(spec);
        s_base.state = rc == 0 ? 1 : -1;
        if (rc < 0)
            al_warn("sandbox.microvm.base_failed", "err=%s msg=\"%s\" fallback=cold", al_err_name(rc), al_err_msg());
        else
            al_info("sandbox.microvm.base_ready", "ms=%llu state_bytes=%zu", (unsigned long long)(agent_now_ms() - t0),
                    s_base.dev_len);
    }
    if (s_base.state < 0 || agent_now_ms() < s_base.paused_until)
        return AL_ENOTFOUND;
    const sandbox_limits_t *l = &spec->limits;
    if ((l->vcpus ? l->vcpus : 1) != s_base.vcpus || (l->memory_mb ? l->memory_mb : 256) != s_base.memory_mb ||
        (l->disk_mb ? l->disk_mb : 512) != s_base.disk_mb)
        return AL_ENOTFOUND;
    return 0;
}

/* After restore: clock, entropy, /usr, workspace — before any task command. */
static int s_wake_guest(microvm_t *vm, uint64_t deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    agent_msg_t t = { .type = AGENT_MSG_SET_TIME, .sec = now.tv_sec, .nsec = (uint64_t)now.tv_nsec };
    int rc = microvm_request(vm, &t, deadline);
    unsigned char seed[64];
    if (rc == 0 && getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        rc = al_err_set_errno(AL_EIO, "microvm: getrandom");
    agent_msg_t e = { .type = AGENT_MSG_ENTROPY, .data = seed, .data_len = sizeof seed };
    if (rc == 0)
        rc = microvm_request(vm, &e, deadline);
    agent_msg_t u = { .type = vm->env_digest ? AGENT_MSG_ENV_ROOT : AGENT_MSG_MOUNT_USR };
    if (rc == 0)   /* a job environment brings its own /usr */
        rc = microvm_request(vm, &u, deadline);
    if (rc == 0)
        rc = microvm_mount_workspace(vm, deadline);
    return rc;
}

/* Waits until the incoming device state is loaded, then continues the VM (the
 * base was stopped when saved, so a loaded clone is paused) until it runs. The
 * run state is read as JSON: "inmigrate" means not loaded yet. */
static int s_run_restored(microvm_t *vm, uint64_t deadline)
{
    for (;;) {
        microvm_qmp_reply_t r;
        int rc = microvm_qmp(vm, "{\"execute\":\"query-status\"}", &r, deadline);
        if (rc < 0)
            return rc;
        switch (microvm_restore_step(r.status)) {
        case MICROVM_RESTORE_DONE:
            return 0;
        case MICROVM_RESTORE_CONT:
            if ((rc = s_qmp_ok(vm, "{\"execute\":\"cont\"}", deadline)) < 0)
                return rc;
            break;
        case MICROVM_RESTORE_WAIT:
            s_pause_2ms();
            break;
        case MICROVM_RESTORE_FAIL:
            return al_err_set(AL_ESANDBOX, "microvm: restored VM is in state '%s'", r.status);
        }
    }
}

static int s_restore(microvm_t *vm, int devfd, uint64_t deadline)
{
    char cmd[256];
    int rc = s_qmp_ok(vm, "{\"execute\":\"migrate-set-capabilities\",\"arguments\":{\"capabilities\":"
                          "[{\"capability\":\"x-ignore-shared\",\"state\":true}]}}", deadline);
    snprintf(cmd, sizeof cmd, "{\"execute\":\"migrate-incoming\",\"arguments\":{\"uri\":\"fd:%d\"}}", devfd);
    if (rc == 0)
        rc = s_qmp_ok(vm, cmd, deadline);
    if (rc == 0)
        rc = s_run_restored(vm, deadline);
    return rc;
}

int microvm_clone_create(microvm_t *vm, const sandbox_spec_t *spec, uint64_t deadline)
{
    const microvm_paths_t *paths;
    if (microvm_paths(&paths) < 0)
        return AL_ENOTFOUND; /* the driver is not usable: the cold boot says why */
    pthread_mutex_lock(&s_base.mu);
    int rc = s_base_get(spec);
    pthread_mutex_unlock(&s_base.mu);
    if (rc < 0)
        return rc;
    vm->accel_kvm = s_base.kvm;
    int devfd = -1;
    if ((rc = microvm_state_dir(vm, spec->state_dir)) < 0 || (rc = microvm_disk_create_empty(vm)) < 0)
        return rc;
    devfd = memfd_create("airlock-devstate", MFD_CLOEXEC);
    if (devfd < 0 || write(devfd, s_base.dev, s_base.dev_len) != (ssize_t)s_base.dev_len ||
        lseek(devfd, 0, SEEK_SET) != 0)
        rc = al_err_set_errno(AL_EIO, "microvm: device state memfd");
    microvm_launch_t launch = { .mode = MICROVM_BOOT_CLONE, .ram_fd = s_base.ram_fd, .incoming_fd = devfd,
                                .vcpus = s_base.vcpus, .memory_mb = s_base.memory_mb };
    if (rc == 0)
        rc = microvm_spawn(vm, &launch, deadline);
    if (rc == 0)
        rc = s_restore(vm, devfd, deadline);
    if (devfd >= 0)
        close(devfd);
    if (rc == 0 && !(vm->kernel_release = strdup(s_base.kernel ? s_base.kernel : "")))
        rc = al_err_set(AL_ENOMEM, "microvm: out of memory");
    if (rc == 0)
        rc = s_wake_guest(vm, deadline);
    int paused = 0;
    pthread_mutex_lock(&s_base.mu);
    if (rc == 0)
        s_base.failures = 0;
    if (rc < 0 && rc != AL_ENOMEM && ++s_base.failures >= CLONE_STRIKES) {
        s_base.failures = 0;
        s_base.paused_until = agent_now_ms() + s_clone_pause_ms();
        paused = 1;
    }
    pthread_mutex_unlock(&s_base.mu);
    if (rc < 0 && rc != AL_ENOMEM)
        al_warn("sandbox.microvm.clone_failed", "err=%s msg=\"%s\" clones=%s", al_err_name(rc), al_err_msg(),
                paused ? "paused" : "on");
    return rc;
}
