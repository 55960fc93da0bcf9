/*
 * fuzz_egress_mux.c: libFuzzer target for the host end of the microVM egress
 * multiplexer (worker/guest/egress_mux.c), the code a root worker runs on
 * bytes a guest wrote. Each input is fed in slices of varying size (the first
 * byte picks the slice) into a host-role engine whose dials are socketpairs;
 * the output is discarded after each slice. Invariants checked: a rule break
 * is AL_EPROTO and nothing else, input is never taken beyond what was given,
 * live connections never exceed the cap. ASan/UBSan watch memory.
 */
#include "worker/guest/egress_mux.h"
#include "common/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define CAP 8u

typedef struct {
    int peers[4096];
    unsigned n;
} dials_t;

static int s_dial(void *ctx)
{
    dials_t *d = ctx;
    int sv[2];
    if (d->n == sizeof d->peers / sizeof d->peers[0] ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    d->peers[d->n++] = sv[1];
    return sv[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t slice = (size_t)data[0] * 97u + 1u;
    data++, size--;
    dials_t d = { .n = 0 };
    emux_config_t cfg = { .role = EMUX_HOST, .listen_fd = -1, .dial = s_dial, .dial_ctx = &d, .max_conns = CAP };
    emux_t *m = emux_new(&cfg);
    if (!m)
        abort();
    size_t off = 0;
    int stalled = 0;
    while (off < size && stalled < 2) {
        size_t n = size - off < slice ? size - off : slice;
        int rc = emux_input(m, data + off, n);
        if (rc < 0) {
            if (rc != AL_EPROTO && rc != AL_ENOMEM)
                abort();
            break;
        }
        if ((size_t)rc > n)
            abort();
        emux_stats_t st;
        emux_stats(m, &st);
        if (st.live > CAP || st.peak > CAP)
            abort();
        emux_out_discard(m);   /* what the host would write to the guest */
        off += (size_t)rc;
        stalled = rc == 0 ? stalled + 1 : 0;
    }
    emux_destroy(&m);
    for (unsigned i = 0; i < d.n; i++)
        close(d.peers[i]);
    return 0;
}
