/*
 * tree_usage.c: the room a host tree takes in a workspace (tree_usage.h).
 * Owns nothing beyond one walk.
 */
#include "worker/sandbox/tree_usage.h"
#include "common/error.h"

#include <errno.h>
#include <fts.h>
#include <string.h>
#include <sys/stat.h>

#define BLOCK 4096u
#define INLINE_SYMLINK 60u   /* ext4 keeps a shorter target in the inode */

static uint64_t s_blocks(uint64_t n) { return (n + BLOCK - 1) / BLOCK * BLOCK; }

int tree_usage(const char *dir, tree_usage_t *out)
{
    memset(out, 0, sizeof *out);
    char *roots[] = { (char *)dir, NULL };
    FTS *f = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
    if (!f)
        return al_err_set_errno(AL_EIO, "tree usage: open %s", dir);
    int rc = 0;
    for (;;) {
        errno = 0;
        FTSENT *e = fts_read(f);
        if (!e) {
            if (errno != 0)
                rc = al_err_set_errno(AL_EIO, "tree usage: walk %s", dir);
            break;
        }
        if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR || e->fts_info == FTS_NS) {
            rc = al_err_set(AL_EIO, "tree usage: %s: %s", e->fts_path, strerror(e->fts_errno));
            break;
        }
        if (e->fts_info == FTS_DP || e->fts_level == 0)
            continue;   /* a directory's second visit; the root is the workspace itself */
        const struct stat *st = e->fts_statp;
        out->entries++;
        if (S_ISREG(st->st_mode))
            out->bytes += s_blocks((uint64_t)st->st_size);
        else if (S_ISDIR(st->st_mode))   /* at least one block, more for a long listing */
            out->bytes += st->st_size > BLOCK ? s_blocks((uint64_t)st->st_size) : BLOCK;
        else if (S_ISLNK(st->st_mode) && (uint64_t)st->st_size >= INLINE_SYMLINK)
            out->bytes += BLOCK;
    }
    fts_close(f);
    return rc;
}
