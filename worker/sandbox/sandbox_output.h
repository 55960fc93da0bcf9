/*
 * sandbox_output.h: the output contract of sandbox_exec shared by the drivers
 * that read a command's stdout/stderr on the host (ns, gvisor). Internal to
 * worker/sandbox.
 *
 * The first `cap` bytes (stdout and stderr together) go to req->on_output; the
 * rest is counted and dropped, and the stream that overflowed gets one marker
 * line "[airlock: output truncated at N bytes]" with output_truncated set.
 * stdout_bytes/stderr_bytes count everything produced.
 */
#ifndef AIRLOCK_SANDBOX_OUTPUT_H
#define AIRLOCK_SANDBOX_OUTPUT_H

#include "worker/sandbox/sandbox_private.h"

#include "worker/sandbox/sandbox.h"

#include <stddef.h>
#include <stdint.h>

/* n bytes read from `stream` (SANDBOX_STDOUT or SANDBOX_STDERR); *delivered
 * is the running total already handed to on_output. */
void sandbox_output_deliver(const sandbox_exec_req_t *req, sandbox_exec_result_t *res, uint64_t cap,
                            uint64_t *delivered, int stream, const char *buf, size_t n);

#endif
