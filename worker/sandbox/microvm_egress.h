/*
 * microvm_egress.h: the host end of a microVM's egress, one relay thread per
 * VM bound to a task's egress proxy.
 *
 * Every microVM has a virtio-serial port "egress" whose host side is a socket
 * the worker accepted when qemu started (microvm_t.egress_chan), so pooled
 * and cloned VMs carry the transport before they know their task. Binding
 * (microvm_egress_start, when the sandbox is created or taken from the pool)
 * starts a thread that demultiplexes the guest's connections (egress_mux.h)
 * and dials, for each, a new connection to the task's proxy socket: no host
 * process per connection, at most MICROVM_EGRESS_MAX_CONNS at once, bounded
 * buffers. The guest's bytes are only framed here; the proxy (worker/egress)
 * parses HTTP and checks the token and policy as for every driver.
 *
 * Ownership: the relay borrows chan (it stays the microvm_t's, close it only
 * after microvm_egress_stop) and copies the socket path. Errors: AL_E*.
 */
#ifndef AIRLOCK_SANDBOX_MICROVM_EGRESS_H
#define AIRLOCK_SANDBOX_MICROVM_EGRESS_H

#include "worker/sandbox/sandbox_private.h"

#define MICROVM_EGRESS_MAX_CONNS 32u   /* live connections per VM (EMUX_MAX_CONNS; the proxy's default max_conns) */

typedef struct microvm_egress microvm_egress_t;

/* Starts the relay thread over chan to proxy_socket. */
int microvm_egress_start(microvm_egress_t **out, int chan, const char *proxy_socket, const char *task_id);

/* Stops and joins the thread, closes every relayed connection; NULL-safe. */
void microvm_egress_stop(microvm_egress_t **p);

#endif
