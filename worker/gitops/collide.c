/*
 * collide.c: case collisions of the applied index. On a case-insensitive
 * checkout (macOS, Windows) "README.md" and "readme.md", or "Docs/x" and
 * "docs/y", are the same file or directory: one silently replaces the
 * other, and a reviewer's checkout differs from what was tested. Every path
 * of the index and each of its directories is put in a hash table under its
 * ASCII lower-case form, with up to two spellings and, per spelling,
 * whether a path the patch touched lies under it; a key with two spellings
 * one of which the patch touched is a violation (pre-existing collisions of
 * the repository are not the patch's doing).
 *
 * Owns only the table of one call; keys point into the index's paths.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "worker/gitops/gitops_internal.h"

typedef struct {
    const char *s[2];         /* spellings (prefixes of index paths), NULL = none */
    uint32_t n;               /* key length */
    uint8_t touched[2];
    uint64_t h;
} slot_t;

typedef struct {
    slot_t *slots;
    size_t mask;
} table_t;

static uint64_t hash_lower(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        h = (h ^ (uint64_t)(c >= 'A' && c <= 'Z' ? c + 32 : c)) * 1099511628211ull;
    }
    return h | 1; /* 0 marks an empty slot */
}

static void insert(table_t *t, const char *s, size_t n, int touched)
{
    uint64_t h = hash_lower(s, n);
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        slot_t *sl = &t->slots[i];
        if (sl->h == 0) {
            sl->h = h;
            sl->n = (uint32_t)n;
            sl->s[0] = s;
            sl->touched[0] = (uint8_t)touched;
            return;
        }
        if (sl->h != h || sl->n != n || strncasecmp(sl->s[0], s, n) != 0)
            continue;
        int k = memcmp(sl->s[0], s, n) == 0 ? 0 : 1;
        if (k == 1 && !sl->s[1])
            sl->s[1] = s;
        sl->touched[k] |= (uint8_t)touched;
        return;
    }
}

/* The path's directories and itself, as prefixes of path. */
static void insert_path(table_t *t, const char *path, int touched)
{
    for (const char *p = path;; p++) {
        if (*p == '/' || *p == '\0')
            insert(t, path, (size_t)(p - path), touched);
        if (*p == '\0')
            return;
    }
}

static int report(const table_t *t, gitops_violations_t *v)
{
    char path[4096], detail[4200];
    int rc = 0;
    for (size_t i = 0; rc == 0 && i <= t->mask; i++) {
        const slot_t *sl = &t->slots[i];
        if (!sl->s[1] || !(sl->touched[0] | sl->touched[1]))
            continue;
        int k = sl->touched[1] ? 1 : 0;
        size_t n = sl->n < sizeof path ? sl->n : sizeof path - 1;
        memcpy(path, sl->s[k], n);
        path[n] = '\0';
        snprintf(detail, sizeof detail, "same as %.*s but for letter case", (int)n, sl->s[1 - k]);
        rc = gitops_violation_add(v, path, GITOPS_VIOL_CASE_COLLISION, detail);
    }
    return rc;
}

int gitops_case_collisions(git_index *index, int (*touched)(void *ctx, const char *path), void *ctx,
                           gitops_violations_t *v)
{
    size_t n = git_index_entrycount(index), keys = 0, cap = 16;
    table_t t;
    int rc;
    for (size_t i = 0; i < n; i++) {
        const git_index_entry *e = git_index_get_byindex(index, i);
        for (const char *p = e ? e->path : ""; *p; p++)
            keys += *p == '/';
        keys++;
    }
    while (cap < 2 * keys)
        cap *= 2;
    if (!(t.slots = calloc(cap, sizeof *t.slots)))
        return al_err_set(AL_ENOMEM, "case collision table");
    t.mask = cap - 1;
    for (size_t i = 0; i < n; i++) {
        const git_index_entry *e = git_index_get_byindex(index, i);
        if (e && git_index_entry_stage(e) == 0)
            insert_path(&t, e->path, touched(ctx, e->path));
    }
    rc = report(&t, v);
    free(t.slots);
    return rc;
}
