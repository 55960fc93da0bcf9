/*
 * layer_fixture.h: test helper shared by the tests of layered workspaces
 * (tests/integration/layer_attach/test_layer_attach.c, tests/unit/worker/
 * test_stage_exec_layer.c): a scratch directory holding a git repository
 * `src` with one commit, and layered workspaces (worker/gitops/layer.c, an
 * overlay over a shared base tree, owned for the driver that attaches them)
 * made from it.
 *
 * Layout below the root: src/ (the repository), cache/ (mirror cache),
 * bases/ (shared base trees), <name>/ (one workspace each).
 * Errors: 0 or -1 with the reason in al_err_msg() (or on stderr for a shell
 * command); the caller fails or skips.
 */
#ifndef AIRLOCK_TEST_LAYER_FIXTURE_H
#define AIRLOCK_TEST_LAYER_FIXTURE_H

#include "worker/gitops/gitops.h"

#include <stddef.h>

/* Runs `sh -c` on fmt with every %s replaced by arg (up to three). 0 or -1. */
int layer_fixture_sh(const char *fmt, const char *arg);

/* Makes the root from `root` (a mkdtemp template, rewritten in place) and
 * src/ in it: `files` (a shell script run in src/) makes the files of the one
 * commit. Initialises gitops. 0 or -1. */
int layer_fixture_init(char *root, const char *files);

/* A layered workspace <root>/<name> of src at HEAD for `driver`'s workload
 * user, with an upper layer of upper_mb MiB. NULL on failure. */
gitops_workspace_t *layer_fixture_ws(const char *driver, const char *root, const char *name, unsigned upper_mb);

/* Removes the root and everything below it (workspaces destroyed first). 0 or -1. */
int layer_fixture_remove(const char *root);

#endif
