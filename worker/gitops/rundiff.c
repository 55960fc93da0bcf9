/*
 * rundiff.c: what the run stage changed, as a git patch for the analyzers:
 * the tracked tree after apply against the work tree, untracked files with
 * their content, binary files as `GIT binary patch` hunks (the analyzers'
 * host decodes them; it also reads each post-image from the work tree,
 * never following a link). Ignored files are left out: they never leave the
 * worker (the result tree holds tracked paths only). The size of every file
 * was bounded by gitops_diff_workspace before; the text is bounded here.
 *
 * Owns the libgit2 diff and tree of one call.
 */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "worker/gitops/gitops_internal.h"

int gitops_run_diff_text(gitops_workspace_t *ws, char **text, size_t *len)
{
    git_tree *tree = NULL;
    git_diff *diff = NULL;
    git_diff_options o;
    gitops_touched_t touched = { NULL, 0, 0 };
    int rc;

    if (!ws || !text)
        return al_err_set(AL_EINVAL, "gitops_run_diff_text: NULL argument");
    *text = NULL;
    if (git_tree_lookup(&tree, ws->repo, &ws->tracked_tree_oid) < 0)
        return gitops_git_err(AL_EGIT, "tracked tree");
    git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
    o.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS | GIT_DIFF_SHOW_UNTRACKED_CONTENT |
              GIT_DIFF_SHOW_BINARY | GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_IGNORE_SUBMODULES |
              GIT_DIFF_DISABLE_PATHSPEC_MATCH;
    if (ws->layered) {   /* only paths the upper layer holds can differ (layer.c) */
        if ((rc = gitops_layer_touched(ws, NULL, &touched)) < 0)
            goto done;
        if (touched.n == 0) {
            rc = (*text = strdup("")) ? 0 : al_err_set(AL_ENOMEM, "run diff");
            if (len)
                *len = 0;
            goto done;
        }
        o.pathspec.strings = touched.paths;
        o.pathspec.count = touched.n;
    }
    if (git_diff_tree_to_workdir(&diff, ws->repo, tree, &o) < 0)
        rc = gitops_git_err(AL_EGIT, "run stage diff");
    else
        rc = gitops_diff_print_text(diff, text, len);
done:
    gitops_touched_free(&touched);
    git_diff_free(diff);
    git_tree_free(tree);
    return rc;
}

const char *gitops_workspace_gitdir(const gitops_workspace_t *ws)
{
    return ws ? ws->gitdir : NULL;
}
