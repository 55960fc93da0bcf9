/*
 * tree_writer.h: exporting a sandbox's workspace to a host directory
 * without trusting it (docs/SANDBOX.md, "Workspace export").
 *
 * tree_writer_new() starts airlock-tree-writer (helper/tree_writer_main.c)
 * as a leased, unprivileged uid (uid_lease.h) with no capabilities,
 * no_new_privs, a parent-death signal and rlimits, on an EMPTY host
 * directory that it then owns. The caller feeds it entries (from a guest's
 * TREE frames, or tree_writer_walk() over a directory) and finishes. Every
 * entry is checked here (tree_entry_check) and again in the helper, which
 * writes with openat2 beneath the target: no root process ever parses or
 * writes what a sandbox produced. The written files belong to that uid.
 *
 * Ownership: the writer owns the helper process (killed and reaped by
 * abort/finish) and its socket and status pipe; not the uid lease.
 */
#ifndef AIRLOCK_SANDBOX_TREE_WRITER_H
#define AIRLOCK_SANDBOX_TREE_WRITER_H

#include "worker/sandbox/sandbox_private.h"

#include "worker/guest/tree.h"
#include "worker/sandbox/tree_sink.h"

#include <sys/types.h>

typedef struct tree_writer tree_writer_t;

/* host_dir must be an empty directory (AL_EINVAL otherwise). */
int tree_writer_new(tree_writer_t **out, const char *host_dir, uid_t uid, const tree_limits_t *lim);
/* Checks and forwards one entry. AL_EPROTO for a bad entry; when the helper
 * stopped reading because it refused the stream, its reason (AL_ELIMIT over a
 * limit, else AL_EPROTO); AL_EIO when it is gone without one. */
int tree_writer_put(tree_writer_t *w, const tree_entry_t *e);
/* Walks the tree below dirfd (tree_walk, never following links) into w;
 * skip_top as for tree_walk. */
int tree_writer_walk(tree_writer_t *w, int dirfd, const char *skip_top);
/* Ends the stream and waits for the helper: 0 when everything was written,
 * else AL_EPROTO/AL_ELIMIT/AL_EIO with the helper's reason. Frees *w. */
int tree_writer_finish(tree_writer_t **w);
/* Kills the helper (what it wrote stays for the caller to remove). NULL-safe. */
void tree_writer_abort(tree_writer_t **w);

#endif
