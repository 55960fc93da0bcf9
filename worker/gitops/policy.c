/*
 * policy.c: the path policy of a task, shared by gitops_apply (over the
 * patch's deltas and the resulting index) and gitops_policy_check_changes
 * (over the workspace diff after the run stage): bad path components,
 * protected globs (ignoring letter case), write_paths globs, symlinks
 * leaving the tree, submodules, executable-bit changes. Globs are matched by
 * jobspec_glob_match. Symlink chains: links.c; case collisions: collide.c.
 *
 * Owns: the violation lists it builds (handed to the caller).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "common/jobspec/jobspec.h"
#include "worker/gitops/gitops_internal.h"

#define MODE_LINK 0120000u
#define MODE_GITLINK 0160000u
#define MODE_FILE_MASK 0170000u
#define MODE_REG 0100000u

/* Without a list of its own the policy uses the job spec's default
 * (jobspec_default_protected); the worker normally passes the job's list. */

const char *gitops_violation_kind_name(gitops_violation_kind_t kind)
{
    switch (kind) {
    case GITOPS_VIOL_BAD_PATH: return "bad_path";
    case GITOPS_VIOL_PROTECTED: return "protected";
    case GITOPS_VIOL_OUTSIDE_WRITE: return "outside_write_paths";
    case GITOPS_VIOL_SYMLINK_ESCAPE: return "symlink_escape";
    case GITOPS_VIOL_SUBMODULE: return "submodule";
    case GITOPS_VIOL_MODE_CHANGE: return "mode_change";
    case GITOPS_VIOL_CASE_COLLISION: return "case_collision";
    }
    return "unknown";
}

int gitops_violation_add(gitops_violations_t *v, const char *path, gitops_violation_kind_t kind,
                         const char *detail)
{
    gitops_violation_t *items = realloc(v->items, (v->count + 1) * sizeof(*items));
    if (!items)
        return al_err_set(AL_ENOMEM, "violation list");
    v->items = items;
    items[v->count].path = strdup(path);
    items[v->count].detail = strdup(detail ? detail : "");
    items[v->count].kind = kind;
    if (!items[v->count].path || !items[v->count].detail) {
        free(items[v->count].path);
        free(items[v->count].detail);
        return al_err_set(AL_ENOMEM, "violation list");
    }
    v->count++;
    return 0;
}

void gitops_violations_destroy(gitops_violations_t **p)
{
    gitops_violations_t *v = p ? *p : NULL;
    if (!v)
        return;
    for (size_t i = 0; i < v->count; i++) {
        free(v->items[i].path);
        free(v->items[i].detail);
    }
    free(v->items);
    free(v);
    *p = NULL;
}

/* The first bad component of path, or NULL when every one is fine. */
static const char *bad_component(const char *path)
{
    const char *p = path;
    if (!*path)
        return "empty path";
    if (*path == '/')
        return "absolute path";
    for (;;) {
        size_t n = strcspn(p, "/");
        if (n == 0)
            return "empty component";
        if ((n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2)))
            return "'.' or '..' component";
        if (n == 4 && !strncasecmp(p, ".git", 4))
            return "'.git' component";
        if (!p[n])
            return NULL;
        p += n + 1;
    }
}

/* ASCII lower case of s into out; 0 when it does not fit. */
static int fold(const char *s, char *out, size_t size)
{
    size_t n = strlen(s);
    if (n + 1 > size)
        return 0;
    for (size_t i = 0; i <= n; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    return 1;
}

/* Protected globs ignore letter case: on a case-insensitive checkout (macOS,
 * Windows) ".GitHub/workflows/x.yml" IS the workflow. */
int gitops_policy_protected_hit(const char *glob, const char *path)
{
    char g[1100], probe[4100];
    if (!fold(glob, g, sizeof g) || !fold(path, probe, sizeof probe - 2))
        return jobspec_glob_match(glob, path) == 1;
    if (jobspec_glob_match(g, probe) == 1)
        return 1;
    /* A file or link standing where a protected directory would be. */
    strcat(probe, "/x");
    return jobspec_glob_match(g, probe) == 1;
}

const char *gitops_policy_protected_glob(const gitops_policy_t *policy, const char *path)
{
    const char *const *prot = policy->protected_paths ? policy->protected_paths
                                                       : jobspec_default_protected;
    size_t nprot = policy->protected_paths ? policy->n_protected_paths : (size_t)-1;
    for (size_t i = 0; i < nprot && prot[i]; i++)
        if (gitops_policy_protected_hit(prot[i], path))
            return prot[i];
    return NULL;
}

int gitops_policy_check_path(const gitops_policy_t *policy, const char *path, gitops_violations_t *v)
{
    const char *why = bad_component(path), *glob;
    int rc = 0;

    if (why)
        return gitops_violation_add(v, path, GITOPS_VIOL_BAD_PATH, why);
    if ((glob = gitops_policy_protected_glob(policy, path)) != NULL)
        return gitops_violation_add(v, path, GITOPS_VIOL_PROTECTED, glob);
    if (policy->write_paths && policy->n_write_paths > 0) {
        size_t i;
        for (i = 0; i < policy->n_write_paths; i++)
            if (jobspec_glob_match(policy->write_paths[i], path) == 1)
                break;
        if (i == policy->n_write_paths)
            rc = gitops_violation_add(v, path, GITOPS_VIOL_OUTSIDE_WRITE, "matches no write_paths glob");
    }
    return rc;
}

int gitops_policy_check_symlink(const char *path, const char *target, size_t len, gitops_violations_t *v)
{
    char detail[300];
    long depth = 0;
    const char *why = NULL;

    /* Depth of the link's own directory below the root. */
    for (const char *s = path; *s; s++)
        depth += *s == '/';
    if (len == 0)
        why = "empty target";
    else if (memchr(target, '\0', len))
        why = "NUL in target";
    else if (target[0] == '/')
        why = "absolute target";
    for (size_t i = 0; !why && i < len;) {
        size_t n = 0;
        while (i + n < len && target[i + n] != '/')
            n++;
        if (n == 2 && !strncmp(target + i, "..", 2)) {
            if (--depth < 0)
                why = "target leaves the tree";
        } else if (n == 4 && !strncasecmp(target + i, ".git", 4)) {
            why = "target inside .git";
        } else if (n > 0 && !(n == 1 && target[i] == '.')) {
            depth++;
        }
        i += n + 1;
    }
    if (!why)
        return 0;
    snprintf(detail, sizeof(detail), "%s: %.*s", why, (int)(len > 200 ? 200 : len), target);
    return gitops_violation_add(v, path, GITOPS_VIOL_SYMLINK_ESCAPE, detail);
}

static int exec_bit_changed(uint32_t old_mode, uint32_t new_mode)
{
    return (old_mode & MODE_FILE_MASK) == MODE_REG && (new_mode & MODE_FILE_MASK) == MODE_REG &&
           ((old_mode ^ new_mode) & 0111) != 0;
}

static int change_check(const gitops_change_t *c, const gitops_policy_t *policy, gitops_violations_t *v)
{
    int rc = gitops_policy_check_path(policy, c->path, v);
    if (rc == 0 && (c->new_mode == MODE_GITLINK || !strcmp(c->path, ".gitmodules")))
        rc = gitops_violation_add(v, c->path, GITOPS_VIOL_SUBMODULE, "submodule");
    if (rc == 0 && c->new_mode == MODE_LINK && c->symlink_target)
        rc = gitops_policy_check_symlink(c->path, c->symlink_target, strlen(c->symlink_target), v);
    if (rc == 0 && !policy->allow_mode_change && exec_bit_changed(c->old_mode, c->new_mode))
        rc = gitops_violation_add(v, c->path, GITOPS_VIOL_MODE_CHANGE,
                                  c->new_mode & 0111 ? "made executable" : "executable bit removed");
    return rc;
}

int gitops_policy_check_changes(const gitops_changes_t *changes, const gitops_policy_t *policy,
                                gitops_violations_t **out)
{
    gitops_violations_t *v;
    int rc = 0;

    if (!out)
        return al_err_set(AL_EINVAL, "gitops_policy_check_changes: NULL out");
    *out = NULL;
    if (!changes || !policy || policy->version != GITOPS_POLICY_VERSION)
        return al_err_set(AL_EINVAL, "gitops_policy_check_changes: NULL changes or bad policy version");
    if (!(v = calloc(1, sizeof(*v))))
        return al_err_set(AL_ENOMEM, "violation list");
    for (size_t i = 0; rc == 0 && i < changes->count; i++)
        rc = change_check(&changes->items[i], policy, v);
    if (rc < 0) {
        gitops_violations_destroy(&v);
        return rc;
    }
    *out = v;
    return 0;
}
