/*
 * paths.c: the `paths` analyzer core (rules listed in paths.h): looks at each
 * file header of the patch (paths, modes, renames, deletions) and at the
 * target of each added symlink.
 *
 * Owns its per-scan state (paths_state_t): the pending symlink target, a
 * short list of deleted paths (a delete + add pair is how git writes a type
 * change), hashes of the patch's paths for case-collision checks, and the
 * links the patch adds (path and target in a fixed pool), resolved as a
 * chain at the end (an_linkwalk.h): d/a -> .., d/b -> a/.. leaves the tree
 * although each link alone stays inside. Links that do not fit the pool are
 * checked one by one; worker/gitops checks every chain again at apply time,
 * over the whole tree.
 */
#include "paths.h"

#include <stdint.h>
#include <string.h>

#include "an_input.h"
#include "an_linkwalk.h"
#include "an_text.h"

#define MAX_DELETED 64
#define MAX_SEEN 256
#define MAX_LINKS 48
#define LINK_POOL 16384

typedef struct {
    unsigned path, path_len, target, target_len;  /* offsets into the pool */
    int reported;                                   /* already reported one by one */
} link_t;

typedef struct {
    an_emit_fn emit;
    void *ud;
    int is_link, have_target, target_long;
    char target[AN_LINK_PATH_MAX];
    size_t target_len;
    link_t links[MAX_LINKS];
    unsigned n_links;
    char pool[LINK_POOL];
    size_t pool_used;
    uint64_t del_hash[MAX_DELETED];
    unsigned del_mode[MAX_DELETED];
    unsigned n_del;
    uint64_t seen_lower[MAX_SEEN], seen_exact[MAX_SEEN];
    unsigned n_seen;
} paths_state_t;
_Static_assert(sizeof(paths_state_t) <= AN_STATE_MAX, "paths state must fit the driver's buffer");

static int report(paths_state_t *st, const char *rule, an_severity_t sev, const char *file,
                  const char *msg, const char *ev, size_t evn)
{
    return an_emit(st->emit, st->ud, rule, sev, file, 0, msg, ev, evn);
}

static uint64_t hash_path(const char *s, size_t n, int fold)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= fold ? an_lower((unsigned char)s[i]) : (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static unsigned mode_type(unsigned mode)
{
    return mode & 0170000u;
}

static int has_dotdot(const char *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '.' && p[i + 1] == '.' && (i == 0 || p[i - 1] == '/') &&
            (i + 2 == n || p[i + 2] == '/'))
            return 1;
    return 0;
}

static int has_control(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] == 0x7f)
            return 1;
    return 0;
}

/* The per-path rules; n is the decoded length (the path may hold NULs). */
static int check_path(paths_state_t *st, const char *p, size_t n)
{
    int rc = 0, prot;
    if (n == 0)
        return 0;
    if (p[0] == '/')
        rc = report(st, "paths.absolute", AN_SEV_CRITICAL, p,
                    "absolute path in the patch: it would write outside the repository", p, n);
    if (rc == 0 && has_dotdot(p, n))
        rc = report(st, "paths.dotdot", AN_SEV_CRITICAL, p,
                    "path with a '..' component: it would write outside the repository", p, n);
    if (rc == 0 && has_control(p, n))
        rc = report(st, "paths.control_chars", AN_SEV_HIGH, p,
                    "path with control characters (hides or disguises a file name)", p, n);
    if (rc != 0 || strlen(p) != n)
        return rc;
    prot = paths_protected(p);
    if (prot == 1)
        return report(st, "paths.protected", AN_SEV_HIGH, p,
                      "the patch touches a protected path (CI, automation, git metadata, ownership rules)", p, n);
    if (prot == 2)
        return report(st, "paths.protected_case", AN_SEV_HIGH, p,
                      "path equals a protected path on case-insensitive or normalising file "
                      "systems", p, n);
    return 0;
}

static int check_case_collision(paths_state_t *st, const char *p, size_t n)
{
    uint64_t lo = hash_path(p, n, 1), ex = hash_path(p, n, 0);
    for (unsigned i = 0; i < st->n_seen; i++)
        if (st->seen_lower[i] == lo && st->seen_exact[i] != ex)
            return report(st, "paths.case_collision", AN_SEV_MEDIUM, p,
                          "two paths in the patch differ only in case (one overwrites the "
                          "other on case-insensitive file systems)", p, n);
    if (st->n_seen < MAX_SEEN) {
        st->seen_lower[st->n_seen] = lo;
        st->seen_exact[st->n_seen] = ex;
        st->n_seen++;
    }
    return 0;
}

static int check_modes(paths_state_t *st, const an_file_t *f, const char *p, size_t n)
{
    uint64_t h = hash_path(p, n, 0);
    if (f->new_mode == 0160000u || f->old_mode == 0160000u)
        return report(st, "paths.submodule", AN_SEV_HIGH, p,
                      "the patch adds or changes a submodule (gitlink): code from elsewhere", p, n);
    if (f->old_mode && f->new_mode && mode_type(f->old_mode) != mode_type(f->new_mode))
        return report(st, "paths.type_change", AN_SEV_HIGH, p,
                      "a path changes type (file, symlink, submodule)", p, n);
    if (f->flags & AN_FILE_DELETED) {
        /* a ring of the newest deletions: git writes the delete and the add
         * of a type change next to each other */
        st->del_hash[st->n_del % MAX_DELETED] = h;
        st->del_mode[st->n_del % MAX_DELETED] = f->old_mode;
        st->n_del++;
        return 0;
    }
    for (unsigned i = 0; (f->flags & AN_FILE_NEW) && i < st->n_del && i < MAX_DELETED; i++)
        if (st->del_hash[i] == h && mode_type(st->del_mode[i]) != mode_type(f->new_mode))
            return report(st, "paths.type_change", AN_SEV_HIGH, p,
                          "a path changes type (file, symlink, submodule)", p, n);
    if (f->new_mode == 0100755u && ((f->flags & AN_FILE_NEW) || f->old_mode == 0100644u))
        return report(st, "paths.new_executable", AN_SEV_MEDIUM, p,
                      "the patch adds an executable file or makes a file executable", p, n);
    return 0;
}

static int paths_on_file(void *ud, const an_file_t *f)
{
    paths_state_t *st = ud;
    const char *p = an_file_path(f);
    size_t pn = p == f->new_path ? f->new_path_len : f->old_path_len;
    int rc = 0;
    st->is_link = !(f->flags & AN_FILE_DELETED) && mode_type(f->new_mode) == 0120000u;
    st->have_target = 0;
    st->target_len = 0;
    rc = check_path(st, p, pn);
    if (rc == 0 && f->old_path[0] && (f->old_path_len != pn || memcmp(f->old_path, p, pn) != 0))
        rc = check_path(st, f->old_path, f->old_path_len);
    if (rc == 0)
        rc = check_modes(st, f, p, pn);
    if (rc == 0 && !(f->flags & AN_FILE_DELETED))
        rc = check_case_collision(st, p, pn);
    return rc;
}

static int paths_on_line(void *ud, const an_file_t *f, an_line_kind_t kind, unsigned lineno,
                         const char *text, size_t len)
{
    paths_state_t *st = ud;
    (void)f;
    (void)lineno;
    if (!st->is_link || kind != AN_LINE_ADDED || st->have_target)
        return 0;
    st->target_long = len >= sizeof st->target;
    if (st->target_long)
        len = sizeof st->target - 1;
    memcpy(st->target, text, len);
    st->target[len] = '\0';
    st->target_len = len;
    st->have_target = 1;
    return 0;
}

/* Keeps a link of the patch for the chain check at the end. */
static void link_keep(paths_state_t *st, const char *p, size_t pn, int reported)
{
    link_t *l;
    if (st->n_links == MAX_LINKS || pn + st->target_len > sizeof st->pool - st->pool_used)
        return;
    l = &st->links[st->n_links++];
    l->path = (unsigned)st->pool_used;
    l->path_len = (unsigned)pn;
    memcpy(st->pool + st->pool_used, p, pn);
    st->pool_used += pn;
    l->target = (unsigned)st->pool_used;
    l->target_len = (unsigned)st->target_len;
    memcpy(st->pool + st->pool_used, st->target, st->target_len);
    st->pool_used += st->target_len;
    l->reported = reported;
}

static const char *link_lookup(void *ctx, const char *path, size_t *len)
{
    const paths_state_t *st = ctx;
    size_t n = strlen(path);
    for (unsigned i = 0; i < st->n_links; i++) {
        const link_t *l = &st->links[i];
        if (l->path_len == n && memcmp(st->pool + l->path, path, n) == 0) {
            *len = l->target_len;
            return st->pool + l->target;
        }
    }
    return NULL;
}

static const char *escape_message(an_link_result_t r, int chain)
{
    if (r == AN_LINK_ABSOLUTE)
        return chain ? "symlink chain ends in an absolute target: it points outside the tree"
                     : "symlink with an absolute target: it points outside the tree";
    if (r == AN_LINK_LOOP)
        return "symlink loop (more than 40 links)";
    if (r == AN_LINK_TOO_LONG)
        return "symlink target too long to resolve";
    return chain ? "symlink chain leaves the tree (through other links of the patch)"
                 : "symlink whose target leaves the tree through '..'";
}

static int paths_on_file_end(void *ud, const an_file_t *f)
{
    paths_state_t *st = ud;
    char resolved[AN_LINK_PATH_MAX];
    const char *p = an_file_path(f);
    an_link_result_t r;
    int rc = 0, prot = 0;
    if (!st->is_link || !st->have_target)
        return 0;
    st->is_link = 0;
    r = st->target_long ? AN_LINK_TOO_LONG
                        : an_link_resolve(p, st->target, st->target_len, NULL, NULL, resolved,
                                          sizeof resolved, NULL);
    if (r != AN_LINK_INSIDE)
        rc = report(st, "paths.symlink_escape", AN_SEV_CRITICAL, p, escape_message(r, 0), st->target,
                    st->target_len);
    else if ((prot = paths_protected(resolved)) != 0)
        rc = report(st, "paths.symlink_protected", AN_SEV_HIGH, p,
                    "symlink into a protected path (git metadata, CI)", st->target, st->target_len);
    link_keep(st, p, strlen(p), r != AN_LINK_INSIDE || prot);
    return rc;
}

/* Every kept link resolved through the others: chains that leave the tree or
 * reach a protected path although each link alone does not. */
static int paths_end(void *state)
{
    paths_state_t *st = state;
    char path[AN_LINK_PATH_MAX], resolved[AN_LINK_PATH_MAX];
    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < st->n_links; i++) {
        const link_t *l = &st->links[i];
        unsigned hops = 0;
        if (l->reported || l->path_len >= sizeof path)
            continue;
        memcpy(path, st->pool + l->path, l->path_len);
        path[l->path_len] = '\0';
        an_link_result_t r = an_link_resolve(path, st->pool + l->target, l->target_len, link_lookup, st,
                                             resolved, sizeof resolved, &hops);
        if (r != AN_LINK_INSIDE)
            rc = report(st, "paths.symlink_escape", AN_SEV_CRITICAL, path, escape_message(r, 1),
                        st->pool + l->target, l->target_len);
        else if (hops && paths_protected(resolved))
            rc = report(st, "paths.symlink_protected", AN_SEV_HIGH, path,
                        "symlink chain into a protected path (git metadata, CI)", st->pool + l->target,
                        l->target_len);
    }
    return rc;
}

static void paths_begin(void *state, an_emit_fn emit, void *ud)
{
    paths_state_t *st = state;
    memset(st, 0, sizeof *st);
    st->emit = emit;
    st->ud = ud;
}

static const an_patch_visitor_t s_visitor = {
    .on_file = paths_on_file,
    .on_line = paths_on_line,
    .on_file_end = paths_on_file_end,
};

const an_analyzer_t paths_analyzer = {
    .name = "paths",
    .version = "2.0.0",
    .state_size = sizeof(paths_state_t),
    .begin = paths_begin,
    .visitor = &s_visitor,
    .end = paths_end,
};
