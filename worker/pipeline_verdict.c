/*
 * pipeline_verdict.c: the verdict of one attempt (see pipeline_verdict.h).
 * Owns the one mapping of stage outcomes to verdicts and the reasons that
 * name the stage, the command and what happened to it; stage_exec.c only
 * reports outcomes.
 */
#include "worker/pipeline_verdict.h"
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The table: every status but STAGE_OK decides its verdict. */
static const struct {
    stage_status_t status;
    al_verdict_t verdict;
} s_stage_verdicts[] = {
    { STAGE_FAILED, AL_VERDICT_TESTS_FAILED },   /* a run or test command failed */
    { STAGE_TIMEOUT, AL_VERDICT_TIMEOUT },
    { STAGE_RESOURCE, AL_VERDICT_RESOURCE_EXCEEDED },
    { STAGE_CANCELLED, AL_VERDICT_CANCELLED },
    { STAGE_ERROR, AL_VERDICT_SANDBOX_ERROR },
};

void pipeline_verdict_set(pipeline_verdict_t *v, al_verdict_t verdict, const char *fmt, ...)
{
    if (v->decided)
        return;
    v->decided = 1;
    v->verdict = verdict;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
}

int pipeline_verdict_of_stage(stage_status_t status, al_verdict_t *out)
{
    for (size_t i = 0; i < sizeof s_stage_verdicts / sizeof s_stage_verdicts[0]; i++) {
        if (s_stage_verdicts[i].status == status) {
            *out = s_stage_verdicts[i].verdict;
            return AL_OK;
        }
    }
    return AL_ENOTFOUND;
}

/* The reason for a stage that did not succeed: the stage, the command (at
 * most 200 bytes of it) and what happened. */
static void s_reason(const char *stage, const stage_outcome_t *o, char *out, size_t size)
{
    switch (o->status) {
    case STAGE_FAILED:
        snprintf(out, size, "%s[%zu] `%.200s` %s %d%s", stage, o->idx, o->command,
                 o->exited ? "exited with" : "was killed by signal", o->exited ? o->exit_code : o->signal,
                 !o->exited ? ""
                 : o->exit_code == 127 ? " (the shell's code for a command not found: is it in the job's environment?)"
                 : o->exit_code == 126 ? " (the shell's code for a command found but not executable)"
                                       : "");
        break;
    case STAGE_TIMEOUT:
        snprintf(out, size, "%s[%zu] `%.200s` ran past %lld s", stage, o->idx, o->command, (long long)o->limit);
        break;
    case STAGE_RESOURCE:   /* memory, or (o->error) the workspace the commands left */
        if (o->error[0])
            snprintf(out, size, "%s", o->error);
        else
            snprintf(out, size, "%s[%zu] `%.200s` exceeded %lld MiB of memory", stage, o->idx, o->command,
                     (long long)o->limit);
        break;
    case STAGE_CANCELLED:
        snprintf(out, size, "%s[%zu] `%.200s` cancelled %s", stage, o->idx, o->command,
                 o->ran ? "while it ran" : "before it ran");
        break;
    default:
        snprintf(out, size, "%s", o->error[0] ? o->error : stage);
        break;
    }
}

void pipeline_verdict_stage(pipeline_verdict_t *v, const char *stage, const stage_outcome_t *o)
{
    al_verdict_t verdict;
    if (o->status == STAGE_FAILED) {
        v->has_exit = 1;
        v->exit_code = o->exited ? o->exit_code : -o->signal;
    } else if (o->status == STAGE_OK && strcmp(stage, "test") == 0) {
        v->has_exit = 1;
        v->exit_code = 0;
    }
    if (pipeline_verdict_of_stage(o->status, &verdict) != AL_OK)
        return;
    char reason[sizeof v->reason];
    s_reason(stage, o, reason, sizeof reason);
    pipeline_verdict_set(v, verdict, "%s", reason);
}

al_verdict_t pipeline_verdict_final(pipeline_verdict_t *v, int cancelled)
{
    if (cancelled && !(v->decided && v->verdict == AL_VERDICT_ACCEPTED)) {
        v->decided = 1;
        v->verdict = AL_VERDICT_CANCELLED;
    }
    return v->decided ? v->verdict : AL_VERDICT_SANDBOX_ERROR;
}
