/*
 * tree_sink.h: writes a tree stream (worker/guest/tree.h) below one
 * directory, trusting nothing in it. Runs inside airlock-tree-writer, an
 * unprivileged process (tree_writer.h), and in the fuzz target.
 *
 * Rules, on top of tree_entry_check() for each entry: DATA only right after
 * its FILE; nothing is replaced (an existing name is an error, never
 * overwritten or followed); every parent is resolved with openat2(
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_XDEV) below the target, so a symlink or ".." in the stream can
 * never lead a write outside it; the last component is created with
 * O_CREAT|O_EXCL|O_NOFOLLOW / mkdirat / symlinkat relative to that parent.
 * Bounded: content bytes and entries (AL_ELIMIT), and the directories whose
 * final mode lacks owner rwx (applied at the end, deepest first, so the
 * writer can still fill them). The first error sticks: later calls fail.
 *
 * Ownership: the sink owns the root fd given to it and every fd it opens.
 */
#ifndef AIRLOCK_SANDBOX_TREE_SINK_H
#define AIRLOCK_SANDBOX_TREE_SINK_H

#include "worker/sandbox/sandbox_private.h"

#include "worker/guest/tree.h"

#include <stdint.h>

typedef struct {
    uint64_t max_bytes;     /* file content in all */
    uint64_t max_entries;
} tree_limits_t;

typedef struct tree_sink tree_sink_t;

/* root: a directory fd (owned from now on, also on failure). */
int tree_sink_new(tree_sink_t **out, int root, const tree_limits_t *lim);
/* 0, or AL_EPROTO (a bad entry or order), AL_ELIMIT, AL_EIO (with errno text). */
int tree_sink_put(tree_sink_t *s, const tree_entry_t *e);
/* Closes the last file, applies the deferred directory modes. 0 or an error. */
int tree_sink_finish(tree_sink_t *s);
void tree_sink_destroy(tree_sink_t **s);

/* Counters for reports and tests. */
uint64_t tree_sink_bytes(const tree_sink_t *s);
uint64_t tree_sink_entries(const tree_sink_t *s);

#endif
