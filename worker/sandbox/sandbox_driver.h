/*
 * sandbox_driver.h: what a driver provides to sandbox.c. Internal to worker/sandbox.
 *
 * Every driver embeds `sandbox_t` as the FIRST member of its own struct and
 * fills `ops`, `info`. sandbox.c dispatches through ops and frees nothing
 * itself: ops->destroy owns all cleanup of the driver struct.
 */
#ifndef AIRLOCK_SANDBOX_DRIVER_H
#define AIRLOCK_SANDBOX_DRIVER_H

#include "worker/sandbox/sandbox_private.h"

#include "worker/sandbox/sandbox.h"

typedef struct sandbox_ops {
    const char *name;
    int (*available)(void);   /* 1 or 0 (reason via al_err_set) */
    int (*create)(sandbox_t **out, const sandbox_spec_t *spec);
    int (*workspace_in)(sandbox_t *sb, const char *host_dir);
    int (*exec)(sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res);
    int (*workspace_out)(sandbox_t *sb, const char *host_dir);
    void (*destroy)(sandbox_t *sb);
    void (*interrupt)(sandbox_t *sb);  /* optional, any thread; see sandbox_interrupt */
    /* optional: connect a sandbox created without egress to a task's proxy
     * (sandbox_egress_bind); drivers without it get egress only at create */
    int (*egress_bind)(sandbox_t *sb, const char *socket, const char *token, const char *task_id);
    int environments;         /* 1: honours spec->env and sets info.environment to its
                                 digest; 0: a spec with an environment is refused */
    int shares_workspace;     /* 1: /workspace IS the host directory given to workspace_in
                                 (host driver): workspace_out copies nothing */
    /* optional: makes the host mount host_dir the sandbox's /workspace itself
     * (layered workspaces); NULL: the driver cannot (sandbox_workspace_attach) */
    int (*workspace_attach)(sandbox_t *sb, const char *host_dir);
    unsigned attach_uid;      /* host uid (and gid) the attached tree's files must belong to */
    /* optional: liveness, 0 when the sandbox answers before timeout_ms (the pool
     * asks it before handing a sandbox out); NULL: the pool runs `true` instead */
    int (*ping)(sandbox_t *sb, unsigned timeout_ms);
    /* optional: undo spec->background (sandbox_foreground); NULL: the driver
     * does not lower a background sandbox's CPU weight */
    int (*foreground)(sandbox_t *sb);
    /* optional: what the driver gives on this machine, before any sandbox exists
     * (sandbox_driver_isolation, sandbox_driver_accel); NULL: "none" */
    const char *(*isolation)(void);
    const char *(*accel)(void);
} sandbox_ops_t;

struct sandbox {
    const sandbox_ops_t *ops;
    sandbox_info_t info;
};

extern const sandbox_ops_t sandbox_ns_ops;      /* worker/sandbox/ns.c */
extern const sandbox_ops_t sandbox_microvm_ops; /* worker/sandbox/microvm.c */
extern const sandbox_ops_t sandbox_gvisor_ops;  /* worker/sandbox/gvisor.c */
extern const sandbox_ops_t sandbox_host_ops;    /* worker/sandbox/host.c (no isolation) */

#endif
