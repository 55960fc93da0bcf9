/*
 * an_linkwalk.c: symlink chain resolution inside a tree (see an_linkwalk.h).
 *
 * State: `out` is the resolved directory stack ("a/b/c"), `pend` the
 * components still to walk. Each pushed component is looked up; a link is
 * popped again and its target put in front of the rest of pend. Both live in
 * fixed buffers (the caller's out, a pend on the stack); outgrowing them is
 * AN_LINK_TOO_LONG, never a truncation.
 */
#include "an_linkwalk.h"

#include <string.h>

typedef struct {
    char *out;
    size_t o, out_size;
    char pend[2 * AN_LINK_PATH_MAX];
    size_t p0, pn;           /* pending text is pend[p0 .. p0+pn) */
} walk_t;

/* Replaces the pending text with t + "/" + (rest of pend). */
static int pend_prepend(walk_t *w, const char *t, size_t tn)
{
    size_t need = tn + 1 + w->pn;
    if (need > sizeof w->pend)
        return -1;
    memmove(w->pend + tn + 1, w->pend + w->p0, w->pn);
    memcpy(w->pend, t, tn);
    w->pend[tn] = '/';
    w->p0 = 0;
    w->pn = need;
    return 0;
}

static void pop(walk_t *w)
{
    while (w->o > 0 && w->out[w->o - 1] != '/')
        w->o--;
    if (w->o > 0)
        w->o--; /* the separator */
    w->out[w->o] = '\0';
}

static int push(walk_t *w, const char *c, size_t n)
{
    if (w->o + n + 2 > w->out_size)
        return -1;
    if (w->o)
        w->out[w->o++] = '/';
    memcpy(w->out + w->o, c, n);
    w->o += n;
    w->out[w->o] = '\0';
    return 0;
}

/* Sets out to the directory of link_path. */
static int start_dir(walk_t *w, const char *link_path)
{
    const char *slash = strrchr(link_path, '/');
    size_t n = slash ? (size_t)(slash - link_path) : 0;
    if (n + 1 > w->out_size)
        return -1;
    memcpy(w->out, link_path, n);
    w->o = n;
    w->out[n] = '\0';
    return 0;
}

static an_link_result_t walk(walk_t *w, an_link_lookup_fn lookup, void *ctx, unsigned *hops)
{
    while (w->pn > 0) {
        const char *c = w->pend + w->p0;
        const char *slash = memchr(c, '/', w->pn);
        size_t n = slash ? (size_t)(slash - c) : w->pn;
        w->p0 += n + (slash ? 1 : 0);
        w->pn -= n + (slash ? 1 : 0);
        if (n == 0 || (n == 1 && c[0] == '.'))
            continue;
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            if (w->o == 0)
                return AN_LINK_ESCAPES;
            pop(w);
            continue;
        }
        if (push(w, c, n) != 0)
            return AN_LINK_TOO_LONG;
        size_t tn = 0;
        const char *t = lookup ? lookup(ctx, w->out, &tn) : NULL;
        if (!t)
            continue;
        if (++*hops > AN_LINK_MAX_HOPS)
            return AN_LINK_LOOP;
        if (tn == 0 || t[0] == '/' || t[0] == '~' || memchr(t, '\0', tn))
            return AN_LINK_ABSOLUTE;
        pop(w);
        if (pend_prepend(w, t, tn) != 0)
            return AN_LINK_TOO_LONG;
    }
    return AN_LINK_INSIDE;
}

an_link_result_t an_link_resolve(const char *link_path, const char *target, size_t tlen,
                                 an_link_lookup_fn lookup, void *ctx, char *out, size_t out_size,
                                 unsigned *hops)
{
    walk_t w;
    unsigned h = 0;
    an_link_result_t r;
    if (hops)
        *hops = 0;
    if (!out || out_size < 2)
        return AN_LINK_TOO_LONG;
    out[0] = '\0';
    if (tlen == 0 || target[0] == '/' || target[0] == '~' || memchr(target, '\0', tlen))
        return AN_LINK_ABSOLUTE;
    w.out = out;
    w.out_size = out_size;
    w.p0 = w.pn = 0;
    if (start_dir(&w, link_path) != 0 || tlen > sizeof w.pend)
        return AN_LINK_TOO_LONG;
    memcpy(w.pend, target, tlen);
    w.pn = tlen;
    r = walk(&w, lookup, ctx, &h);
    if (hops)
        *hops = h;
    return r;
}

const char *an_link_result_name(an_link_result_t r)
{
    switch (r) {
    case AN_LINK_INSIDE: return "inside";
    case AN_LINK_ABSOLUTE: return "absolute target";
    case AN_LINK_ESCAPES: return "leaves the tree";
    case AN_LINK_LOOP: return "link loop";
    case AN_LINK_TOO_LONG: return "path too long";
    }
    return "?";
}
