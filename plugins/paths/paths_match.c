/*
 * paths_match.c: protected-path matching (exact and case/normalisation
 * folded) for the `paths` analyzer (symlink chains: an_linkwalk.h).
 * Pure functions; no state.
 */
#include "paths.h"

#include <string.h>

#include "an_text.h"

#define COMP_MAX 256

/* Copies one component, dropping code points that HFS+/APFS ignore
 * (U+200C..U+200F, U+202A..U+202E, U+FEFF) and trailing dots and spaces
 * (ignored by Windows), folding ASCII case. Returns the folded length. */
static size_t fold_component(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < COMP_MAX - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
            (((unsigned char)s[i + 2] >= 0x8C && (unsigned char)s[i + 2] <= 0x8F) ||
             ((unsigned char)s[i + 2] >= 0xAA && (unsigned char)s[i + 2] <= 0xAE))) {
            i += 2;
            continue;
        }
        if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBB &&
            (unsigned char)s[i + 2] == 0xBF) {
            i += 2;
            continue;
        }
        out[o++] = (char)an_lower(c);
    }
    while (o > 1 && (out[o - 1] == '.' || out[o - 1] == ' '))
        o--;
    out[o] = '\0';
    return o;
}

static int comp_is(const char *c, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(c, lit, n) == 0;
}

/* Equal to lit, exactly (fold = 0) or to lit folded to lower case (fold = 1:
 * c is already folded). */
static int comp_eq(const char *c, size_t n, const char *lit, int fold)
{
    if (strlen(lit) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((fold ? (char)an_lower((unsigned char)lit[i]) : lit[i]) != c[i])
            return 0;
    return 1;
}

/* The protected paths, as jobspec_default_protected (common/jobspec) has
 * them; tests/unit/analyzers/test_paths_defaults.c proves the two agree. */
static const char *const s_root_dirs[] = {
    ".github", ".husky", ".airlock", ".gitlab", ".circleci", ".buildkite", ".azure-pipelines",
    ".azuredevops", ".devcontainer", ".lefthook", ".githooks", ".git-hooks", ".woodpecker", ".semaphore",
    ".forgejo", ".gitea", ".builds", "zuul.d", ".zuul.d", ".tekton",
};
static const char *const s_any_depth[] = {
    ".gitlab-ci.yml", ".gitmodules", ".gitattributes", "CODEOWNERS", "Jenkinsfile",
    "azure-pipelines.yml", "azure-pipelines.yaml", ".travis.yml", ".drone.yml", ".drone.yaml",
    ".drone.star", "Taskfile.yml", "Taskfile.yaml", "Taskfile.dist.yml", "Taskfile.dist.yaml",
    ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", "lefthook.yml", "lefthook.yaml",
    ".lefthook.yml", ".lefthook.yaml", "lefthook-local.yml", "lefthook-local.yaml", ".overcommit.yml",
    ".simple-git-hooks.json", ".simple-git-hooks.js", ".simple-git-hooks.cjs", "appveyor.yml",
    ".appveyor.yml", "bitbucket-pipelines.yml", "cloudbuild.yaml", "cloudbuild.yml", ".gitpod.yml",
    "buildspec.yml", ".woodpecker.yml", "codemagic.yaml", ".devcontainer.json", ".airlock.json",
    ".cirrus.yml", ".cirrus.star", ".zuul.yaml", ".envrc",
};
static const char *const s_root_files[] = {".airlock.yml", ".airlock.yaml"};

/* The rules over one path given as components (exact, or folded). */
static int match_components(const char *const *comp, const size_t *len, size_t depth, int fold)
{
    const char *base = comp[depth - 1];
    size_t bl = len[depth - 1];
    for (size_t i = 0; i < depth; i++)
        if (comp_is(comp[i], len[i], ".git"))
            return 1;
    for (size_t i = 0; i < sizeof s_root_dirs / sizeof s_root_dirs[0]; i++)
        if (comp_eq(comp[0], len[0], s_root_dirs[i], fold))
            return 1;
    for (size_t i = 0; i < sizeof s_any_depth / sizeof s_any_depth[0]; i++)
        if (comp_eq(base, bl, s_any_depth[i], fold))
            return 1;
    for (size_t i = 0; depth == 1 && i < sizeof s_root_files / sizeof s_root_files[0]; i++)
        if (comp_eq(base, bl, s_root_files[i], fold))
            return 1;
    return depth == 2 && comp_eq(comp[0], len[0], ".vscode", fold) && comp_eq(base, bl, "tasks.json", fold);
}

#define MAX_DEPTH 64

int paths_protected(const char *path)
{
    const char *comp[MAX_DEPTH];
    size_t len[MAX_DEPTH], depth = 0;
    char folded[MAX_DEPTH][COMP_MAX];
    const char *fcomp[MAX_DEPTH];
    size_t flen[MAX_DEPTH];
    const char *p = path;
    while (*p && depth < MAX_DEPTH) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n > 0) {
            comp[depth] = p;
            len[depth] = n;
            depth++;
        }
        p += n + (slash ? 1 : 0);
    }
    if (depth == 0)
        return 0;
    if (match_components(comp, len, depth, 0))
        return 1;
    for (size_t i = 0; i < depth; i++) {
        flen[i] = fold_component(comp[i], len[i], folded[i]);
        fcomp[i] = folded[i];
    }
    return match_components(fcomp, flen, depth, 1) ? 2 : 0;
}
