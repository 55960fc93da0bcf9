/*
 * kvm_probe.c: decides once per process whether microVMs run under KVM.
 *
 * /dev/kvm existing proves nothing (on nested or paravirtualised hosts guests
 * die with emulation failures), so the probe boots a real guest under
 * -accel kvm -cpu host with a short deadline and requires the agent to answer
 * a PING. Anything else means TCG. AIRLOCK_MICROVM_ACCEL=kvm|tcg skips the
 * probe. The result is cached for the life of the process; owns nothing after.
 * Above the VM instance (microvm_vm.h), below the snapshot clones and the
 * driver ops, which ask it.
 */
#include "worker/sandbox/kvm_probe.h"
#include "worker/sandbox/microvm_vm.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "common/error.h"
#include "common/log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_DEADLINE_MS 10000u

static int s_kvm;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static int s_probe_boot(void)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = "microvm";
    spec.limits.disk_mb = 16;
    microvm_t *vm = microvm_alloc(&spec);
    if (!vm)
        return 0;
    vm->accel_kvm = 1;
    uint64_t deadline = agent_now_ms() + PROBE_DEADLINE_MS;
    int rc = microvm_boot_cold(vm, &spec, deadline);
    if (rc == 0) {
        agent_msg_t ping = { .type = AGENT_MSG_PING };
        rc = microvm_request(vm, &ping, deadline);
    }
    if (rc < 0)
        al_info("sandbox.microvm.kvm_probe", "result=tcg reason=%s", al_err_name(rc));
    microvm_free(vm);
    return rc == 0;
}

static void s_probe(void)
{
    const char *force = sandbox_knob("microvm_accel");
    if (force && strcmp(force, "tcg") == 0)
        return;
    if (force && strcmp(force, "kvm") == 0) {
        s_kvm = 1;
        return;
    }
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return;
    close(fd);
    s_kvm = s_probe_boot();
    if (s_kvm)
        al_info("sandbox.microvm.kvm_probe", "result=kvm");
}

int microvm_kvm_usable(void)
{
    pthread_once(&s_once, s_probe);
    return s_kvm;
}
