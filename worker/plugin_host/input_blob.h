/*
 * input_blob.h: the patch view (airlock_input_t and everything it points
 * to) as one flat, position-independent byte string, so that the worker
 * can hand it to an exec'd analyzer host (airlock-analyzer) in a sealed
 * memfd instead of sharing its memory through fork.
 *
 * Layout (native byte order: writer and reader are built together; every
 * offset is from the start of the blob, every record 8-byte aligned):
 *   header   "ALINPUT1", u32 origin, n_files, n_commands, 0,
 *            str patch, u64 files (offset of n_files file records),
 *            u64 commands (offset of n_commands command records)
 *   str      u64 off, u64 len: len bytes at off followed by a NUL; off is
 *            INPUT_BLOB_NONE for a NULL pointer (len 0)
 *   file     str path, old_path, new_path, content; u32 old_mode, new_mode,
 *            flags, n_added, n_lines, similarity; u64 added, u64 lines
 *   added    u32 lineno, u32 len, u64 text_off      (n_added per file)
 *   line     u32 old_lineno, new_lineno, len; u8 origin, flags; u16 hunk;
 *            u64 text_off                           (n_lines per file)
 *   command  str stage, str text; u32 index, argc; u64 argv (argc strs)
 * Line texts are (text_off, len) slices that must lie inside the blob.
 *
 * The reader is strict (every offset and length bounded, path-like strings
 * without NUL bytes, argv non-empty) and fuzzed (fuzz_input_blob): the
 * analyzer host trusts its parent, but a decoder never trusts its input.
 */
#ifndef AIRLOCK_INPUT_BLOB_H
#define AIRLOCK_INPUT_BLOB_H

#include "airlock_plugin.h"

#include <stddef.h>
#include <stdint.h>

#define INPUT_BLOB_MAGIC "ALINPUT1"
#define INPUT_BLOB_NONE UINT64_MAX

/* What the reader builds: airlock_input_t and the arrays it points to
 * (owned here), every string and text pointing into the blob (lent: the
 * blob must outlive the view). */
typedef struct {
    airlock_input_t in;
    airlock_file_t *files;
    airlock_line_t *added;
    airlock_hunk_line_t *lines;
    airlock_command_t *cmds;
    const char **argv;
} input_blob_view_t;

/* Decodes blob[0..len). Returns 0, AL_EPROTO (names what is malformed and
 * where) or AL_ENOMEM; on error *v holds nothing. */
int input_blob_read(const unsigned char *blob, size_t len, input_blob_view_t *v);
void input_blob_view_free(input_blob_view_t *v);

/* Encodes `in` (the parent side). Returns a memfd holding the blob, sealed
 * against every change and positioned at 0, or a negative AL_E* (AL_ENOMEM,
 * AL_EIO). */
int input_blob_write(const airlock_input_t *in, int *fd_out);

#endif
