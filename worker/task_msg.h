/*
 * task_msg.h: the messages of one attempt, built but not sent (task_msg.c):
 * the one builder of a RESULT, used by task.c (a runner's final result) and
 * link.c (an attempt that could not even start), and the protocol-bound cut
 * of the values of an EVENT's data or a RESULT's summary. Numbering and
 * sending are the caller's (task.c, link.c).
 */
#ifndef AIRLOCK_WORKER_TASK_MSG_H
#define AIRLOCK_WORKER_TASK_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "common/proto/proto.h"
#include "common/states.h"

/* A RESULT's reason is cut to this many bytes minus one. */
#define TASK_MSG_REASON_MAX 4096
/* An EVENT or summary value this long or longer is cut, with a marker. */
#define TASK_MSG_VALUE_MAX 65536

typedef struct {
    const char *task_id;
    uint64_t attempt;
    al_verdict_t verdict;
    const char *reason;            /* NULL: "" */
    int has_exit;                  /* exit_code is meaningful */
    int exit_code;
    const char *const *keys;       /* the summary: n key, value pairs (a NULL value is "") */
    const char *const *values;
    size_t n;
} task_msg_result_t;

/* A new PROTO_W_RESULT of r, seq 0 (the sender numbers it). AL_EINVAL for a
 * verdict that is not one; *out is NULL on error. */
int task_msg_result_new(proto_msg_t **out, const task_msg_result_t *r);

/* Puts key = value into map; NULL is "", a value of TASK_MSG_VALUE_MAX bytes
 * or more is cut (never inside a UTF-8 sequence) and marked
 * "...[truncated N bytes]" rather than making the message unsendable. A
 * value that is not UTF-8 (file names, command lines, outputs are bytes;
 * the protocol's strings are not) goes in with U+FFFD for each stray byte;
 * a file name's ("path", "old_path") exact bytes also go base64-encoded as
 * <key>_raw_b64. A RESULT's reason is made UTF-8 the same way. */
int task_msg_put(proto_strmap_t *map, const char *key, const char *value);

#endif
