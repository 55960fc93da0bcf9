/*
 * paths.h: the `paths` analyzer core (what the patch does to the file tree,
 * from the diff headers: paths, modes, symlink targets).
 *
 * Protected paths are the DESIGN.md defaults (the job's own policy list is
 * enforced again at apply time by worker/gitops): .github/ **, .gitlab-ci.yml,
 * any .git directory, .gitmodules, .gitattributes (any level), CODEOWNERS
 * (root, docs/, .github/), .pre-commit-config.yaml, .husky/ **, and the
 * airlock config (.airlock/ **, .airlock.yml, .airlock.yaml).
 *
 * Rules (rule_id, severity):
 *   paths.protected              high      a protected path is added, changed, renamed or deleted
 *   paths.protected_case         high      a path that equals a protected one on a case-
 *                                          insensitive or normalising file system (.GitHub/,
 *                                          .GIT, ".git.", ".g<U+200C>it")
 *   paths.ci_config              high      other CI configuration (.circleci/, Jenkinsfile,
 *                                          .travis.yml, azure-pipelines.yml, ...)
 *   paths.symlink_escape         critical  symlink whose target is absolute or resolves
 *                                          (against the link's directory) outside the tree
 *   paths.symlink_protected      high      symlink whose target resolves into a protected path
 *   paths.submodule              high      a gitlink (mode 160000) is added or changed
 *   paths.type_change            high      a path changes type (file/symlink/gitlink)
 *   paths.new_executable         medium    a new file with mode 100755, or a mode change to it
 *   paths.dotdot                 critical  a path with a ".." component
 *   paths.absolute               critical  an absolute path
 *   paths.control_chars          high      a path with control characters
 *   paths.malformed_path         high      a badly quoted or over-long path in the header
 *   paths.case_collision         medium    two paths of the patch differ only in case
 */
#ifndef AIRLOCK_PATHS_H
#define AIRLOCK_PATHS_H

#include <stddef.h>

#include "an_core.h"

extern const an_analyzer_t paths_analyzer;

/* 1 when path (NUL-terminated, relative, '/'-separated) is protected by the
 * defaults, 2 when it only matches after case folding / normalisation, 0
 * otherwise. Exposed for tests. */
int paths_protected(const char *path);

/* Resolves a symlink target against the link's directory: 0 inside the
 * tree (the resolved path, relative to the root, is written to out), 1 when
 * absolute, 2 when it leaves the tree. Exposed for tests. */
int paths_symlink_resolve(const char *link_path, const char *target, size_t target_len,
                          char *out, size_t out_size);

#endif
