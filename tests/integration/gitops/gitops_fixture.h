/*
 * gitops_fixture.h: real git repositories for the gitops integration tests.
 *
 * A fixture is a temp directory holding `src` (a small repository made with
 * the git CLI: two commits on main, tag v1 on the first), a mirror cache dir
 * and a scratch clone used to produce patches with `git diff`. The git CLI is
 * used in set-up only; the code under test uses libgit2.
 */
#ifndef GITOPS_FIXTURE_H
#define GITOPS_FIXTURE_H

#include <stddef.h>

#include "worker/gitops/gitops.h"

typedef struct {
    char root[128];
    char src[192];
    char cache[192];
    char scratch[192];
    char c1[41], c2[41];     /* commit ids: v1, main */
    int seq;                 /* numbering of workspace dirs */
} fx_t;

/* cmocka setup/teardown: *state is an fx_t. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Runs a shell command (printf format); fails the test when it exits non-zero. */
void fx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Output of a shell command, malloc'd; fails the test on non-zero exit. */
char *fx_sh_out(size_t *len, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A patch made in the scratch clone: checkout `base`, run `cmds`, stage all,
 * `git diff --cached --binary base`. malloc'd. */
char *fx_patch(fx_t *fx, const char *base, const char *cmds, size_t *len);

/* A fresh directory path under root (not created). */
void fx_dir(fx_t *fx, char *out, size_t size, const char *name);

/* New workspace of fx->src at base; cache NULL or fx->cache. Asserts success. */
gitops_workspace_t *fx_ws(fx_t *fx, const char *base, int use_cache);

int fx_exists(const char *path);
char *fx_read(const char *path);

#endif
