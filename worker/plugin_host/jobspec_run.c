/*
 * jobspec_run.c: plugin_host_run_jobspec, the analysis entry point for a
 * parsed job: its patch plus its run list and test command as
 * plugin_command_t (stages "run" and "test"), with the caller's base tree or
 * work tree for post-images. Owns only the temporary
 * command list; the argv strings stay the job's.
 */
#include "worker/plugin_host/plugin_host.h"

#include "common/error.h"
#include "common/jobspec/jobspec.h"

#include <stdlib.h>

int plugin_host_run_jobspec(const plugin_set_t *set, const jobspec_t *job, const plugin_source_t *where,
                            analysis_result_t **out)
{
    *out = NULL;
    if (!job)
        return al_err_set(AL_EINVAL, "plugin_host_run_jobspec: no job");
    if (job->run.n >= PLUGIN_MAX_COMMANDS)
        return al_err_set(AL_ELIMIT, "commands: job has %zu run commands, limit %u", job->run.n,
                          PLUGIN_MAX_COMMANDS - 1);
    plugin_command_t *cmds = calloc(job->run.n + 1, sizeof *cmds);
    size_t n = 0;
    if (!cmds)
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    for (size_t i = 0; i < job->run.n; i++)
        cmds[n++] = (plugin_command_t){ "run", i, (const char *const *)job->run.items[i].argv,
                                        job->run.items[i].argc };
    if (job->test.argv && job->test.argc)
        cmds[n++] = (plugin_command_t){ "test", 0, (const char *const *)job->test.argv, job->test.argc };
    plugin_source_t src = PLUGIN_SOURCE_INIT;
    if (where)
        src = *where;
    src.version = PLUGIN_SOURCE_VERSION;
    src.patch = job->patch;
    src.patch_len = job->patch_len;
    src.cmds = cmds;
    src.n_cmds = n;
    int rc = plugin_host_run_source(set, &src, out);
    free(cmds);
    return rc;
}
