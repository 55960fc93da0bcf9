/*
 * microvm_vm.c: one microVM instance and its guest agent channel.
 *
 * Allocates and frees the microvm_t (limits with their defaults; free kills
 * qemu through microvm_qemu.c and removes the state directory), waits for
 * the agent's READY, sends a request and reads up to its answer, and boots a
 * fresh guest cold. The KVM probe, the snapshot clones and the driver ops
 * (kvm_probe.c, microvm_snapshot.c, microvm.c) are built on these; nothing
 * here calls them. Owns the microvm_t's memory; its processes and fds are
 * microvm_qemu.c's.
 */
#include "worker/sandbox/microvm_vm.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "worker/sandbox/janitor.h"
#include "common/error.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

#define REQ_TIMEOUT_MS 60000u  /* mount/umount/time/entropy under a slow TCG guest */

uint64_t microvm_boot_timeout_ms(void)
{
    const char *e = sandbox_knob("vm_boot_timeout_ms");
    unsigned long v = e ? strtoul(e, NULL, 10) : 0;
    return v ? v : 120000u;
}

microvm_t *microvm_alloc(const sandbox_spec_t *spec)
{
    microvm_t *vm = calloc(1, sizeof *vm);
    if (!vm) {
        al_err_set(AL_ENOMEM, "microvm: out of memory");
        return NULL;
    }
    vm->chan = vm->qmp = vm->egress_chan = -1;
    pthread_mutex_init(&vm->kill_mu, NULL);
    vm->rd = agent_reader_new();
    sandbox_limits_t *l = &vm->base.info.limits;
    *l = spec->limits;
    l->vcpus = l->vcpus ? l->vcpus : 1;
    l->memory_mb = l->memory_mb ? l->memory_mb : 256;
    l->disk_mb = l->disk_mb ? l->disk_mb : 512;
    l->max_procs = l->max_procs ? l->max_procs : 256;
    l->max_output_bytes = l->max_output_bytes ? l->max_output_bytes : 16u << 20;
    vm->disk_mb = l->disk_mb;
    vm->background = spec->background;
    if (spec->env && (!(vm->env_digest = strdup(spec->env->digest ? spec->env->digest : "")) ||
                      !(vm->env_disk = strdup(spec->env->image ? spec->env->image : ""))))
        agent_reader_destroy(&vm->rd);
    if (!vm->rd) {
        free(vm->env_digest);
        free(vm->env_disk);
        pthread_mutex_destroy(&vm->kill_mu);
        free(vm);
        al_err_set(AL_ENOMEM, "microvm: out of memory");
        return NULL;
    }
    vm->base.info.driver = "microvm";
    return vm;
}

void microvm_free(microvm_t *vm)
{
    if (!vm)
        return;
    microvm_kill(vm);
    if (vm->dir && sandbox_knob("keep_vm_state") == NULL)
        microvm_rm_rf(vm->dir);
    janitor_untrack(JANITOR_PATH, vm->dir);
    pthread_mutex_destroy(&vm->kill_mu);
    agent_reader_destroy(&vm->rd);
    free(vm->dir);
    free(vm->disk);
    free(vm->env_disk);
    free(vm->env_digest);
    free(vm->token);
    free(vm->kernel_release);
    free(vm->vmm);
    free(vm);
}

int microvm_wait_ready(microvm_t *vm, uint64_t deadline_ms)
{
    for (;;) {
        agent_msg_t m;
        int rc = agent_frame_recv(vm->rd, vm->chan, &m, deadline_ms);
        if (rc < 0)
            return al_err_wrap(rc == AL_ETIMEOUT ? AL_ETIMEOUT : AL_ESANDBOX, "microvm: guest agent not ready (console: %s/console.log)", vm->dir);
        int ready = m.type == AGENT_MSG_READY;
        if (ready && m.version != AGENT_PROTO_VERSION) {
            rc = al_err_set(AL_EPROTO, "microvm: guest agent protocol %llu, host %d",
                            (unsigned long long)m.version, AGENT_PROTO_VERSION);
        } else if (ready) {
            free(vm->kernel_release);
            vm->kernel_release = m.text;
            m.text = NULL;
        }
        agent_msg_clear(&m);
        if (rc < 0 || ready)
            return rc;
    }
}

int microvm_request(microvm_t *vm, agent_msg_t *rq, uint64_t deadline_ms)
{
    if (vm->broken)
        return al_err_set(AL_ESTATE, "microvm: sandbox is broken (channel lost or deadline passed)");
    rq->id = ++vm->next_id;
    int rc = agent_frame_send(vm->chan, rq);
    while (rc == 0) {
        agent_msg_t m;
        rc = agent_frame_recv(vm->rd, vm->chan, &m, deadline_ms);
        if (rc < 0)
            break;
        int mine = m.id == rq->id && (m.type == AGENT_MSG_OK || m.type == AGENT_MSG_ERROR);
        if (mine && m.type == AGENT_MSG_ERROR)
            rc = al_err_set(AL_ESANDBOX, "microvm: guest %s failed: %s", agent_msg_type_name(rq->type), m.text);
        agent_msg_clear(&m);
        if (mine)
            return rc;
    }
    if (rc < 0)
        vm->broken = 1;
    return rc;
}

int microvm_request_simple(microvm_t *vm, agent_msg_type_t type)
{
    agent_msg_t rq = { .type = type };
    return microvm_request(vm, &rq, agent_now_ms() + REQ_TIMEOUT_MS);
}

int microvm_mount_workspace(microvm_t *vm, uint64_t deadline_ms)
{
    agent_msg_t rq = { .type = AGENT_MSG_MOUNT, .disk_bytes = (uint64_t)vm->ws_mb << 20 };
    return microvm_request(vm, &rq, deadline_ms);
}

int microvm_disk_create_empty(microvm_t *vm)
{
    unsigned inodes;
    microvm_image_size(vm->disk_mb, 0, 0, &vm->ws_mb, &inodes);
    return microvm_disk_create(vm->disk, vm->ws_mb, inodes, NULL);
}

int microvm_boot_cold(microvm_t *vm, const sandbox_spec_t *spec, uint64_t deadline)
{
    int rc = microvm_state_dir(vm, spec->state_dir);
    if (rc < 0)
        return rc;
    if ((rc = microvm_disk_create_empty(vm)) < 0)
        return rc;
    const sandbox_limits_t *l = &vm->base.info.limits;
    microvm_launch_t launch = { .mode = MICROVM_BOOT_COLD, .incoming_fd = -1, .ram_fd = -1, .vcpus = l->vcpus,
                                .memory_mb = l->memory_mb };
    if ((rc = microvm_spawn(vm, &launch, deadline)) < 0)
        return rc;
    if ((rc = microvm_wait_ready(vm, deadline)) < 0)
        return rc;
    if (vm->env_digest && (rc = microvm_request_simple(vm, AGENT_MSG_ENV_ROOT)) < 0)
        return rc;
    return microvm_mount_workspace(vm, deadline);
}
