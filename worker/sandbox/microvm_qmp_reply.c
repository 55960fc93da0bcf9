/*
 * microvm_qmp_reply.c: classifying a QMP line with jansson, and the restore's
 * reading of qemu's run states (qapi/run-state.json: RunState).
 */
#include "worker/sandbox/microvm_qmp_reply.h"
#include "common/error.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void s_copy_string(json_t *v, char *dst, size_t size)
{
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    snprintf(dst, size, "%s", s);
}

/* line holds len bytes, not NUL-terminated (QMP's next line may follow). */
int microvm_qmp_reply_parse(const char *line, size_t len, microvm_qmp_reply_t *out)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return al_err_set(AL_EPROTO, "microvm: QMP sent a line that is not a JSON object: %.*s",
                          (int)(len < 80 ? len : 80), line);
    }
    int rc = 0;
    json_t *v;
    if ((v = json_object_get(root, "return"))) {
        out->kind = MICROVM_QMP_RETURN;
        if (json_is_object(v))
            s_copy_string(json_object_get(v, "status"), out->status, sizeof out->status);
    } else if ((v = json_object_get(root, "error"))) {
        out->kind = MICROVM_QMP_ERROR;
        s_copy_string(json_object_get(v, "desc"), out->detail, sizeof out->detail);
    } else if ((v = json_object_get(root, "event"))) {
        out->kind = MICROVM_QMP_EVENT;
        s_copy_string(v, out->detail, sizeof out->detail);
    } else if (json_object_get(root, "QMP")) {
        out->kind = MICROVM_QMP_GREETING;
    } else {
        rc = al_err_set(AL_EPROTO, "microvm: QMP sent an object of no known kind: %.*s", (int)(len < 80 ? len : 80),
                        line);
    }
    json_decref(root);
    return rc;
}

microvm_restore_step_t microvm_restore_step(const char *run_state)
{
    if (!strcmp(run_state, "inmigrate") || !strcmp(run_state, "prelaunch") || !strcmp(run_state, "restore-vm"))
        return MICROVM_RESTORE_WAIT;
    if (!strcmp(run_state, "paused") || !strcmp(run_state, "postmigrate"))
        return MICROVM_RESTORE_CONT;
    if (!strcmp(run_state, "running"))
        return MICROVM_RESTORE_DONE;
    return MICROVM_RESTORE_FAIL;
}
