/*
 * layer_fixture.c: see layer_fixture.h.
 */
#include "layer_fixture.h"

#include "common/error.h"
#include "worker/sandbox/sandbox.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int layer_fixture_sh(const char *fmt, const char *arg)
{
    char cmd[4096];
    if (snprintf(cmd, sizeof cmd, fmt, arg, arg, arg) >= (int)sizeof cmd) {
        al_err_set(AL_EINVAL, "command too long: %.80s", fmt);
        return -1;
    }
    if (system(cmd) != 0) {
        al_err_set(AL_EIO, "command failed: %s", cmd);
        return -1;
    }
    return 0;
}

int layer_fixture_init(char *root, const char *files)
{
    if (!mkdtemp(root)) {
        al_err_set_errno(AL_EIO, "mkdtemp %s", root);
        return -1;
    }
    if (gitops_init() != 0)
        return -1;
    char script[2048];
    if (snprintf(script, sizeof script, "cd %%s && git init -q src && cd src && %s && git add -A && "
                 "git -c user.email=t@e -c user.name=t commit -qm base", files) >= (int)sizeof script) {
        al_err_set(AL_EINVAL, "files script too long");
        return -1;
    }
    return layer_fixture_sh(script, root);
}

gitops_workspace_t *layer_fixture_ws(const char *driver, const char *root, const char *name, unsigned upper_mb)
{
    gitops_source_t src = GITOPS_SOURCE_INIT;
    gitops_layer_opts_t lo = GITOPS_LAYER_OPTS_INIT;
    gitops_workspace_t *ws = NULL;
    char repo[PATH_MAX], cache[PATH_MAX], bases[PATH_MAX], dir[PATH_MAX];
    snprintf(repo, sizeof repo, "%s/src", root);
    snprintf(cache, sizeof cache, "%s/cache", root);
    snprintf(bases, sizeof bases, "%s/bases", root);
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    src.url = repo;
    src.base = "HEAD";
    src.cache_dir = cache;
    src.task_id = name;
    lo.bases_dir = bases;
    lo.upper_mb = upper_mb;
    if (sandbox_driver_attach_owner(driver, &lo.owner_uid, &lo.owner_gid) != 1) {
        al_err_set(AL_ESTATE, "the %s driver cannot attach a workspace", driver);
        return NULL;
    }
    if (gitops_workspace_new_layered(&ws, &src, dir, &lo) != 0)
        return NULL;
    return ws;
}

int layer_fixture_remove(const char *root)
{
    return layer_fixture_sh("rm -rf %s", root);
}
