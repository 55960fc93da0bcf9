/*
 * paths_match.c: protected-path matching (exact and case/normalisation
 * folded) for the `paths` analyzer (symlink chains: an_linkwalk.h).
 * Pure functions; no state.
 */
#include "paths.h"

#include <string.h>

#include "an_text.h"

#define COMP_MAX 256

/* Bytes of a code point at s[i] that HFS+/APFS ignore in names (so
 * ".g\u200cit" is ".git" there), 0 if none: U+200C..U+200F, U+202A..U+202E,
 * U+206A..U+206F (the set git's is_hfs_dotgit skips) and U+FEFF. */
static size_t hfs_ignorable_len(const unsigned char *s, size_t i, size_t n)
{
    if (i + 2 >= n)
        return 0;
    if (s[i] == 0xE2 && s[i + 1] == 0x80 && ((s[i + 2] >= 0x8C && s[i + 2] <= 0x8F) ||
                                             (s[i + 2] >= 0xAA && s[i + 2] <= 0xAE)))
        return 3;
    if (s[i] == 0xE2 && s[i + 1] == 0x81 && s[i + 2] >= 0xAA && s[i + 2] <= 0xAF)
        return 3;
    return s[i] == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF ? 3 : 0;
}

/* Copies one component, dropping the code points HFS+/APFS ignore, an NTFS
 * stream suffix (".git::$INDEX_ALLOCATION" opens .git itself) and trailing
 * dots and spaces (ignored by Windows), folding ASCII case; "git~1", the NTFS
 * short name of .git, becomes ".git" (git's is_ntfs_dotgit refuses both
 * forms for the same reason). Returns the folded length. */
static size_t fold_component(const char *s, size_t n, char *out)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n && o < COMP_MAX - 1; i++) {
        size_t skip = hfs_ignorable_len(u, i, n);
        if (skip) {
            i += skip - 1;
            continue;
        }
        if (u[i] == ':' && o > 0)
            break;
        out[o++] = (char)an_lower(u[i]);
    }
    while (o > 1 && (out[o - 1] == '.' || out[o - 1] == ' '))
        o--;
    if (o == 5 && memcmp(out, "git~1", 5) == 0) {
        memcpy(out, ".git", 4);
        o = 4;
    }
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

/* Ends with lit (compared as comp_eq does). */
static int comp_ends_with(const char *c, size_t n, const char *lit, int fold)
{
    size_t m = strlen(lit);
    return n >= m && comp_eq(c + n - m, m, lit, fold);
}

/* The protected paths, as jobspec_default_protected (common/jobspec) has
 * them; tests/unit/analyzers/test_paths_defaults.c proves the two agree. */
static const char *const s_root_dirs[] = {
    ".github", ".husky", ".airlock", ".gitlab", ".circleci", ".buildkite", ".azure-pipelines",
    ".azuredevops", ".devcontainer", ".lefthook", ".githooks", ".git-hooks", ".woodpecker", ".semaphore",
    ".forgejo", ".gitea", ".builds", "zuul.d", ".zuul.d", ".tekton", ".harness",
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
    ".cirrus.yml", ".cirrus.star", ".zuul.yaml", ".envrc", "action.yml", "action.yaml",
    "buildkite.yml", "buildkite.yaml", "cloudbuild.json", "codefresh.yml", ".drone.jsonnet",
    "lefthook.toml", ".lefthook.toml", ".mise.toml", "mise.toml", ".readthedocs.yaml",
    ".readthedocs.yml", "simple-git-hooks.json", ".woodpecker.yaml", "renovate.json",
    "renovate.json5", ".renovaterc", ".renovaterc.json", ".renovaterc.json5",
};
/* Names ending so, at any depth: GitLab CI files that the root one includes
 * (`include: local: ci/build.gitlab-ci.yml`), by the convention GitLab's
 * templates use. */
static const char *const s_any_depth_suffix[] = {".gitlab-ci.yml"};
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
    for (size_t i = 0; i < sizeof s_any_depth_suffix / sizeof s_any_depth_suffix[0]; i++)
        if (comp_ends_with(base, bl, s_any_depth_suffix[i], fold))
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
