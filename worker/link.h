/*
 * link.h: the worker's connection to airlockd, as a czmq actor on its own
 * thread, so heartbeats keep flowing however busy the tasks are.
 *
 * The link owns the DEALER socket (CURVE client), the outbox of unacknowledged
 * EVENT/RESULT messages and the executor. It says HELLO (slots, drivers, accel,
 * labels, the tasks it still holds), beats every heartbeat_ms, treats
 * airlockd as gone after `liveness` silent beats and then reconnects with a
 * fresh socket and HELLO, resending everything unacknowledged. ASSIGN starts a
 * task, CANCEL cancels one, ACK drops a kept message.
 *
 * Commands on the actor pipe: "DRAIN" (stop taking work: advertise 0 free
 * slots, finish running tasks, wait for their results to be acknowledged,
 * say BYE, then signal the pipe and end), "$TERM" (stop now).
 */
#ifndef AIRLOCK_WORKER_LINK_H
#define AIRLOCK_WORKER_LINK_H

#include <czmq.h>

#include "worker/executor.h"

typedef struct {
    const char *endpoint;          /* airlockd's worker endpoint, or a comma-separated list of
                                    * them (one active airlockd): tried in turn */
    const char *server_key;        /* Z85 public key of airlockd */
    zcert_t *cert;                 /* our certificate (lent) */
    const char *name;
    unsigned slots;
    const char *const *drivers;    /* the sandbox drivers it offers, in order */
    size_t n_drivers;
    const char *accel;
    const char *labels;            /* k=v,k=v */
    const char *version;
    const char *state_dir;
    int heartbeat_ms;              /* until WELCOME says otherwise */
    int liveness;
    int drain_timeout_ms;
    executor_runner_fn run;
    void *run_ctx;
} link_config_t;

/* Actor body for zactor_new(link_actor, (link_config_t *)cfg). The config and
 * everything it points to must outlive the actor. */
void link_actor(zsock_t *pipe, void *args);

#endif
