/*
 * packsrc.c: read-only access to the pack files of a repository and of its
 * alternates (the mirror), by object id, down to an entry's raw bytes, so the
 * base pack (basepack.c) can copy an object's stored form instead of
 * inflating and deflating it again (what `git pack-objects` calls reuse).
 *
 * Only version 2 .idx files are read. Every offset and length read from a
 * file is checked against the file's size before use; an entry that does not
 * parse is reported as not found and the caller falls back to libgit2's
 * object reader. Nothing here is trusted beyond "these bytes are the entry
 * libgit2 itself would decode at this offset".
 *
 * Owns: the mapped .idx and .pack files and the per-pack sorted offset
 * tables, released by gitops_packsrc_close.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "worker/gitops/gitops_internal.h"

#define PACKSRC_MAX 64

typedef struct {
    const unsigned char *idx, *pack;
    size_t idx_size, pack_size;
    uint32_t n;
    uint64_t *sorted;   /* every entry's offset, ascending: where each entry ends */
} src_pack_t;

struct gitops_packsrc {
    src_pack_t p[PACKSRC_MAX];
    size_t n;
};

static uint32_t s_get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const void *s_map(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    void *m = MAP_FAILED;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        *size = (size_t)st.st_size;
        m = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    if (fd >= 0)
        close(fd);
    return m == MAP_FAILED ? NULL : m;
}

static int s_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Offset of entry i of pack p, or UINT64_MAX when the index is malformed. */
static uint64_t s_offset(const src_pack_t *p, uint32_t i)
{
    const unsigned char *off = p->idx + 8 + 1024 + (size_t)p->n * 24;
    uint32_t v = s_get32(off + 4 * (size_t)i);
    if (!(v & 0x80000000u))
        return v;
    size_t at = 8 + 1024 + (size_t)p->n * 28 + 8 * (size_t)(v & 0x7fffffffu);
    if (at + 8 > p->idx_size - 40)
        return UINT64_MAX;
    return (uint64_t)s_get32(p->idx + at) << 32 | s_get32(p->idx + at + 4);
}

/* Maps <dir>/pack-X.idx and its .pack; checks the index's shape. */
static int s_open_one(src_pack_t *p, const char *idx_path)
{
    char pack_path[PATH_MAX];
    size_t len = strlen(idx_path);
    if (len < 4 || len >= sizeof pack_path)
        return -1;
    memcpy(pack_path, idx_path, len - 3);
    memcpy(pack_path + len - 3, "pack", 5);
    if (!(p->idx = s_map(idx_path, &p->idx_size)) || !(p->pack = s_map(pack_path, &p->pack_size)))
        return -1;
    if (p->idx_size < 8 + 1024 + 40 || memcmp(p->idx, "\377tOc", 4) || s_get32(p->idx + 4) != 2 ||
        p->pack_size < 32 || memcmp(p->pack, "PACK", 4))
        return -1;
    p->n = s_get32(p->idx + 8 + 255 * 4);
    if ((uint64_t)p->n * 28 + 8 + 1024 + 40 > p->idx_size)
        return -1;
    for (int i = 1; i < 256; i++)
        if (s_get32(p->idx + 8 + 4 * i) < s_get32(p->idx + 8 + 4 * (i - 1)))
            return -1;
    if (!(p->sorted = malloc(((size_t)p->n + 1) * sizeof *p->sorted)))
        return -1;
    for (uint32_t i = 0; i < p->n; i++)
        if ((p->sorted[i] = s_offset(p, i)) < 12 || p->sorted[i] >= p->pack_size - 20)
            return -1;
    p->sorted[p->n] = p->pack_size - 20;   /* the last entry ends at the trailer */
    qsort(p->sorted, p->n, sizeof *p->sorted, s_u64_cmp);
    return 0;
}

static void s_close_one(src_pack_t *p)
{
    if (p->idx)
        munmap((void *)p->idx, p->idx_size);
    if (p->pack)
        munmap((void *)p->pack, p->pack_size);
    free(p->sorted);
    memset(p, 0, sizeof *p);
}

static void s_scan_dir(gitops_packsrc_t *s, const char *objects)
{
    char dir[PATH_MAX], path[PATH_MAX + 300];
    struct dirent *e;
    snprintf(dir, sizeof dir, "%s/pack", objects);
    DIR *d = opendir(dir);
    while (d && s->n < PACKSRC_MAX && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 9 || strncmp(e->d_name, "pack-", 5) || strcmp(e->d_name + len - 4, ".idx"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (s_open_one(&s->p[s->n], path) == 0)
            s->n++;
        else
            s_close_one(&s->p[s->n]);
    }
    if (d)
        closedir(d);
}

int gitops_packsrc_open(gitops_packsrc_t **out, const char *gitdir)
{
    char objects[PATH_MAX], alt[PATH_MAX + 32], line[PATH_MAX];
    gitops_packsrc_t *s = calloc(1, sizeof *s);
    if (!s)
        return al_err_set(AL_ENOMEM, "pack sources");
    snprintf(objects, sizeof objects, "%s/objects", gitdir);
    s_scan_dir(s, objects);
    snprintf(alt, sizeof alt, "%s/info/alternates", objects);
    FILE *f = fopen(alt, "re");
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '/')   /* the worker writes absolute paths (workspace.c) */
            s_scan_dir(s, line);
    }
    if (f)
        fclose(f);
    *out = s;
    return 0;
}

void gitops_packsrc_close(gitops_packsrc_t **sp)
{
    gitops_packsrc_t *s = sp ? *sp : NULL;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        s_close_one(&s->p[i]);
    free(s);
    *sp = NULL;
}

int gitops_packsrc_find(const gitops_packsrc_t *s, const git_oid *id, gitops_packloc_t *loc)
{
    for (size_t k = 0; k < s->n; k++) {
        const src_pack_t *p = &s->p[k];
        uint32_t lo = id->id[0] ? s_get32(p->idx + 8 + 4 * (id->id[0] - 1)) : 0;
        uint32_t hi = s_get32(p->idx + 8 + 4 * id->id[0]);
        const unsigned char *ids = p->idx + 8 + 1024;
        while (lo < hi && hi <= p->n) {
            uint32_t mid = lo + (hi - lo) / 2;
            int c = memcmp(ids + 20 * (size_t)mid, id->id, 20);
            if (c == 0) {
                loc->pack = (unsigned)k;
                loc->offset = s_offset(p, mid);
                return loc->offset != UINT64_MAX;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return 0;
}

int gitops_packsrc_entry(const gitops_packsrc_t *s, const gitops_packloc_t *loc, const unsigned char **data,
                         size_t *len)
{
    if (loc->pack >= s->n)
        return 0;
    const src_pack_t *p = &s->p[loc->pack];
    size_t lo = 0, hi = p->n;   /* the first sorted offset above loc->offset: where the entry ends */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->sorted[mid] <= loc->offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || p->sorted[lo - 1] != loc->offset)
        return 0;
    *data = p->pack + loc->offset;
    *len = (size_t)(p->sorted[lo] - loc->offset);
    return *len > 0;
}
