/*
 * tree.h: a directory tree as a stream of entries, the only way a sandbox's
 * /workspace comes back to the host (docs/SANDBOX.md, "Workspace export").
 *
 * The producer walks a tree it can read (the guest agent over the mounted
 * workspace; the ns driver over the sandbox's tmpfs) and emits, parents
 * before children: DIR, FILE (then DATA chunks of its content), SYMLINK.
 * Nothing else exists in a stream: devices, FIFOs and sockets are skipped
 * by the producer, setuid/setgid/sticky bits are stripped by it and refused
 * from it, hard links become separate files. The consumer
 * (worker/sandbox/tree_sink.c) never trusts the producer: every entry passes
 * tree_entry_check() and the stream rules in tree_sink.c before anything is
 * written, and it writes beneath its target with openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) as an unprivileged uid.
 *
 * On the wire an entry is one AGENT_MSG_TREE frame (agent_proto.h): kind,
 * path (relative, '/'-separated), mode (permission bits), data (content
 * chunk or link target). Pure functions; tree_walk() owns the fds it opens.
 */
#ifndef AIRLOCK_GUEST_TREE_H
#define AIRLOCK_GUEST_TREE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TREE_DIR = 1,      /* path mode */
    TREE_FILE = 2,     /* path mode data(first chunk of the content, may be empty) */
    TREE_DATA = 3,     /* data: the next chunk of the last FILE (path "", mode 0) */
    TREE_SYMLINK = 4,  /* path data(target, 1..TREE_LINK_MAX bytes) (mode 0) */
} tree_kind_t;

#define TREE_PATH_MAX 4096        /* bytes of a relative path */
#define TREE_NAME_MAX 255         /* bytes of one component */
#define TREE_LINK_MAX 4095        /* bytes of a symlink target */
#define TREE_CHUNK (256u * 1024)  /* content bytes per FILE/DATA entry */
#define TREE_MODE_BITS 0777u      /* the only mode bits a stream carries */

typedef struct {
    uint64_t kind;
    const char *path;
    uint64_t mode;
    const unsigned char *data;
    size_t len;
} tree_entry_t;

/* Checks one entry on its own: known kind; a path that is relative, not
 * empty, without "//", "." or ".." components, a trailing '/', a NUL or a
 * component over TREE_NAME_MAX; only permission bits (setuid, setgid,
 * sticky and type bits refused); data within the kind's bounds. 0 or
 * AL_EPROTO naming what is wrong (the path is not echoed: it is hostile). */
int tree_entry_check(const tree_entry_t *e);

/* Producer: walks the tree below the directory fd `root` (pre-order, names
 * in readdir order, never following a symlink) and calls emit for each
 * entry; a regular file's content follows as DATA entries read through a
 * buffer of TREE_CHUNK bytes. skip_top names one top-level entry to leave
 * out (e.g. "lost+found"), or NULL. emit returns 0 to go on; a positive
 * value stops the walk and is returned; -errno when the tree cannot be read.
 * An entry whose path is over TREE_PATH_MAX (a workload can make one) is
 * emitted as a TREE_DIR for the consumer to refuse as a limit (AL_ELIMIT),
 * then the walk ends with -ENAMETOOLONG. */
typedef int (*tree_emit_fn)(void *ctx, const tree_entry_t *e);
int tree_walk(int root, const char *skip_top, tree_emit_fn emit, void *ctx);

#endif
