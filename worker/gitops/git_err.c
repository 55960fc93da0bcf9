/*
 * git_err.c: turns libgit2's last error into an Airlock error code and
 * message. A leaf below every gitops file (workspace, remote, basecache,
 * layer), so none of them calls back into another for it.
 */
#include "worker/gitops/gitops_internal.h"
#include "common/error.h"

#include <git2.h>

int gitops_git_err(int code, const char *what)
{
    const git_error *e = git_error_last();
    return al_err_set(code, "%s: %s", what, e && e->message ? e->message : "libgit2 error");
}
