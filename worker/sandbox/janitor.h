/*
 * janitor.h: cleanup that survives the worker (docs/SANDBOX.md "Lifeline").
 *
 * The first call starts airlock-janitor (helper/janitor_main.c), exec'd
 * with the read end of a lifeline pipe whose write end only this process
 * holds (close-on-exec, never inherited by a sandbox process that outlives
 * an exec). Drivers register what must not outlive the worker — sandbox
 * cgroups, state directories — and withdraw it once they cleaned it up
 * themselves. If the worker dies first, the pipe's EOF tells the janitor to
 * kill everything in the registered cgroups, remove them and the
 * directories, and exit. Process-wide (one janitor per worker process);
 * thread-safe: each record is one write(2) of less than PIPE_BUF bytes.
 */
#ifndef AIRLOCK_SANDBOX_JANITOR_H
#define AIRLOCK_SANDBOX_JANITOR_H

#include "worker/sandbox/sandbox_private.h"

typedef enum { JANITOR_CGROUP = 'c', JANITOR_PATH = 'p' } janitor_kind_t;

/* 0, or AL_ESANDBOX when the janitor cannot be started (the caller then
 * refuses to create the sandbox: it would outlive a dead worker). */
int janitor_track(janitor_kind_t kind, const char *path);
void janitor_untrack(janitor_kind_t kind, const char *path);

#endif
