/*
 * outbox.h: EVENT and RESULT messages the worker has sent and airlockd has not
 * acknowledged yet. Everything in it is sent again after a reconnect and,
 * while unacknowledged, every few heartbeats, so an airlockd restart or a lost
 * message loses nothing (airlockd stores idempotently on task, attempt, seq).
 *
 * Ownership: the outbox owns copies of the encoded messages. Used by the link
 * thread only.
 */
#ifndef AIRLOCK_WORKER_OUTBOX_H
#define AIRLOCK_WORKER_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "common/proto/proto.h"

typedef struct outbox outbox_t;

outbox_t *outbox_new(void);
void outbox_destroy(outbox_t **ob);

/* Keeps a copy of the encoded message `data` of EVENT/RESULT (task, attempt, seq). */
int outbox_add(outbox_t *ob, const char *task_id, uint64_t attempt, uint64_t seq, int is_result,
               const void *data, size_t len, int64_t now_ms);

/* Drops the message; unknown keys are ignored. */
void outbox_ack(outbox_t *ob, const char *task_id, uint64_t attempt, uint64_t seq);

typedef int (*outbox_send_fn)(void *ctx, const void *data, size_t len);

/* Sends every message last sent at least min_age_ms ago (0 = all), oldest
 * first; returns how many were sent. */
size_t outbox_resend(outbox_t *ob, int64_t now_ms, int64_t min_age_ms, outbox_send_fn send,
                     void *ctx);

size_t outbox_size(const outbox_t *ob);

/* Adds to `list` the task ids whose RESULT is not acknowledged yet. */
int outbox_pending_results(const outbox_t *ob, proto_strlist_t *list);

#endif
