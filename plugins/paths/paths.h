/*
 * paths.h: the `paths` analyzer core (what the patch does to the file tree,
 * from the diff headers: paths, modes, symlink targets).
 *
 * Protected paths are the defaults of the job spec (jobspec_default_protected
 * in common/jobspec; the job's own list is enforced again at apply time by
 * worker/gitops, case-insensitively): git metadata (.git anywhere,
 * .gitmodules, .gitattributes), ownership (CODEOWNERS), CI and automation
 * (.github/, .gitlab/, .gitlab-ci.yml and the *.gitlab-ci.yml files it
 * includes, .circleci/, Jenkinsfile, Azure Pipelines, Buildkite, Drone,
 * Harness, Cloud Build, Codefresh, Read the Docs, Taskfile, mise, .devcontainer/,
 * .vscode/tasks.json, action.yml at any depth (a local action run by
 * `uses: ./dir`), Renovate's config (automerge skips review, like CODEOWNERS
 * rules), ...), git hook managers (.husky/, lefthook, pre-commit, overcommit,
 * .githooks/, simple-git-hooks) and the airlock config.
 * tests/unit/analyzers/test_paths_defaults.c proves this matcher and the
 * job spec's list agree.
 *
 * Left unprotected on purpose: .vscode/settings.json (edited routinely for
 * formatting; the settings that name executables apply only in a workspace
 * the developer trusted, and git.path is machine-scoped). Jenkinsfile stays
 * protected at any depth, fixtures included: a Jenkins job's script path is
 * configurable (ci/Jenkinsfile is common) and invisible from the patch.
 *
 * Rules (rule_id, severity):
 *   paths.protected              high      a protected path is added, changed, renamed or deleted
 *   paths.protected_case         high      a path that equals a protected one on a case-
 *                                          insensitive or normalising file system (.GitHub/,
 *                                          .GIT, ".git.", ".g<U+200C>it",
 *                                          ".git::$INDEX_ALLOCATION", "git~1")
 *   paths.symlink_escape         critical  symlink whose target is absolute or resolves
 *                                          outside the tree, alone or as a chain through
 *                                          other links of the patch (an_linkwalk.h)
 *   paths.symlink_protected      high      symlink whose target resolves into a protected path
 *   paths.submodule              high      a gitlink (mode 160000) is added or changed
 *   paths.type_change            high      a path changes type (file/symlink/gitlink)
 *   paths.new_executable         medium    a new file with mode 100755, or a mode change to it
 *   paths.dotdot                 critical  a path with a ".." component
 *   paths.absolute               critical  an absolute path
 *   paths.control_chars          high      a path with control characters
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

#endif
