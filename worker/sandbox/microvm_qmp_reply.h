/*
 * microvm_qmp_reply.h: one line qemu wrote on QMP, read as JSON (not by
 * substring: a query-status reply always holds the key "running", whatever the
 * state), and what a restore does next for a given run state.
 */
#ifndef AIRLOCK_SANDBOX_MICROVM_QMP_REPLY_H
#define AIRLOCK_SANDBOX_MICROVM_QMP_REPLY_H

#include "worker/sandbox/sandbox_private.h"

#include <stddef.h>

typedef enum {
    MICROVM_QMP_GREETING,     /* {"QMP": {...}} */
    MICROVM_QMP_RETURN,       /* {"return": ...} */
    MICROVM_QMP_ERROR,        /* {"error": {"class": ..., "desc": ...}} */
    MICROVM_QMP_EVENT         /* {"event": ..., "timestamp": ...} */
} microvm_qmp_kind_t;

typedef struct {
    microvm_qmp_kind_t kind;
    char status[32];          /* RETURN: return.status (query-status, query-migrate), else "" */
    char detail[256];         /* ERROR: error.desc; EVENT: the event name */
} microvm_qmp_reply_t;

/* 0, or AL_EPROTO when the line is not one JSON object of a known kind. */
int microvm_qmp_reply_parse(const char *line, size_t len, microvm_qmp_reply_t *out);

/* What a clone restore does after reading the VM's run state. */
typedef enum {
    MICROVM_RESTORE_WAIT,     /* still loading the device state: ask again */
    MICROVM_RESTORE_CONT,     /* loaded, stopped (the base was stopped when saved): send cont */
    MICROVM_RESTORE_DONE,     /* running */
    MICROVM_RESTORE_FAIL      /* any other state: the restore failed */
} microvm_restore_step_t;

microvm_restore_step_t microvm_restore_step(const char *run_state);

#endif
