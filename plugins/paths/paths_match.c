/*
 * paths_match.c: protected-path matching (exact and case/normalisation
 * folded) and symlink target resolution for the `paths` analyzer.
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

/* The rules over one path given as components (exact or folded). */
static int match_components(const char *const *comp, const size_t *len, size_t depth)
{
    const char *base = comp[depth - 1];
    size_t bl = len[depth - 1];
    for (size_t i = 0; i < depth; i++)
        if (comp_is(comp[i], len[i], ".git"))
            return 1;
    if (comp_is(comp[0], len[0], ".github") || comp_is(comp[0], len[0], ".husky") ||
        comp_is(comp[0], len[0], ".airlock"))
        return 1;
    if (depth == 1 && (comp_is(base, bl, ".gitlab-ci.yml") || comp_is(base, bl, ".gitmodules") ||
                       comp_is(base, bl, ".pre-commit-config.yaml") ||
                       comp_is(base, bl, ".airlock.yml") || comp_is(base, bl, ".airlock.yaml")))
        return 1;
    if (comp_is(base, bl, ".gitattributes"))
        return 1;
    if (comp_is(base, bl, "CODEOWNERS") || comp_is(base, bl, "codeowners"))
        return depth == 1 || (depth == 2 && (comp_is(comp[0], len[0], "docs")));
    return 0;
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
    if (match_components(comp, len, depth))
        return 1;
    for (size_t i = 0; i < depth; i++) {
        flen[i] = fold_component(comp[i], len[i], folded[i]);
        fcomp[i] = folded[i];
    }
    return match_components(fcomp, flen, depth) ? 2 : 0;
}

/* Pushes/pops components of a relative path onto out (a '/'-joined stack).
 * Returns 2 when a ".." pops above the root. */
static int walk(const char *s, size_t n, char *out, size_t *o, size_t out_size)
{
    size_t i = 0;
    while (i < n) {
        size_t k = i;
        while (k < n && s[k] != '/')
            k++;
        if (k - i == 2 && s[i] == '.' && s[i + 1] == '.') {
            char *slash;
            if (*o == 0)
                return 2;
            out[*o] = '\0';
            slash = strrchr(out, '/');
            *o = slash ? (size_t)(slash - out) : 0;
        } else if (k > i && !(k - i == 1 && s[i] == '.')) {
            if (*o + (k - i) + 2 > out_size)
                return 2; /* absurdly long: treat as leaving */
            if (*o)
                out[(*o)++] = '/';
            memcpy(out + *o, s + i, k - i);
            *o += k - i;
        }
        i = k + 1;
    }
    return 0;
}

int paths_symlink_resolve(const char *link_path, const char *target, size_t target_len,
                          char *out, size_t out_size)
{
    const char *slash = strrchr(link_path, '/');
    size_t o = 0;
    int rc;
    if (out_size == 0)
        return 2;
    out[0] = '\0';
    if (target_len > 0 && (target[0] == '/' || target[0] == '~'))
        return 1;
    if (slash && (rc = walk(link_path, (size_t)(slash - link_path), out, &o, out_size)) != 0)
        return rc;
    rc = walk(target, target_len, out, &o, out_size);
    out[o < out_size ? o : out_size - 1] = '\0';
    return rc;
}
