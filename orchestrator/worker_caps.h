/*
 * worker_caps.h: a worker's capabilities pinned by its certificate (issue 12).
 * HELLO is the worker's own claim of its slots, sandbox drivers and labels;
 * the scheduler trusts it to place jobs (isolation, labels). The certificate
 * an operator made can bound that claim: metadata
 *
 *   drivers   = ns,gvisor         the drivers it may offer ("name" or
 *                                 "name:accel" entries; absent = any)
 *   max_slots = 4                 at most this many slots (absent = any)
 *   labels    = pool=gpu,zone=a   the only labels it may claim, with these
 *                                 values (absent = any)
 *
 * (`airlock keygen --role worker --drivers ... --max-slots N --labels ...`).
 * What HELLO claims beyond them is dropped and logged (worker.capability_
 * refused); a worker left with no driver is refused altogether.
 *
 * Ownership: worker_caps_t holds pointers lent from the HELLO message and
 * arrays it owns (worker_caps_fini).
 */
#ifndef AIRLOCK_ORCH_WORKER_CAPS_H
#define AIRLOCK_ORCH_WORKER_CAPS_H

#include "common/proto/proto.h"
#include "common/wire/wire.h"

typedef struct {
    uint64_t slots;
    proto_strlist_t drivers;     /* items lent from the HELLO */
    proto_strmap_t labels;       /* keys/values lent from the HELLO */
    int pinned;                  /* the certificate bounded something */
} worker_caps_t;

/* 0, or AL_EPOLICY when no claimed driver is allowed (the message says
 * which were claimed and which are allowed); AL_ENOMEM. */
int worker_caps_pin(const wire_peer_t *peer, const proto_w_hello_t *h, worker_caps_t *out);
void worker_caps_fini(worker_caps_t *c);

#endif
