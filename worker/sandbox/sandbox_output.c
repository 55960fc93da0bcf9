/*
 * sandbox_output.c: output capping for the ns and gvisor drivers (sandbox_output.h).
 */
#include "worker/sandbox/sandbox_output.h"

#include <stdio.h>

void sandbox_output_deliver(const sandbox_exec_req_t *req, sandbox_exec_result_t *res, uint64_t cap,
                            uint64_t *delivered, int stream, const char *buf, size_t n)
{
    if (stream == SANDBOX_STDOUT)
        res->stdout_bytes += n;
    else
        res->stderr_bytes += n;
    size_t give = *delivered >= cap ? 0 : (size_t)(cap - *delivered);
    if (give > n)
        give = n;
    if (give && req->on_output)
        req->on_output(req->ctx, stream, buf, give);
    *delivered += give;
    if (give < n && !res->output_truncated) {
        res->output_truncated = 1;
        char marker[96];
        int m = snprintf(marker, sizeof marker, "\n[airlock: output truncated at %llu bytes]\n",
                         (unsigned long long)cap);
        if (req->on_output)
            req->on_output(req->ctx, stream, marker, (size_t)m);
    }
}
