/*
 * an_patch.h: a single-pass, allocation-free walker over a unified diff.
 *
 * The walker splits the patch into files (git `diff --git` sections or plain
 * `---`/`+++` pairs), decodes git's C-quoted paths, records modes and the
 * new/deleted/rename/copy/binary/type-change facts of each file and hands each
 * hunk line to the visitor with its new-side line number. It is deliberately
 * lenient: a line starting with '+' that appears outside any hunk is still
 * reported as an added line with line number 0 (a hostile patch must not
 * hide content from the analyzers by breaking hunk counts or headers).
 *
 * Ownership: an_file_t and every pointer passed to the visitor are lent for
 * the duration of the callback. The walker keeps everything on its own stack
 * (paths are truncated to AN_PATH_MAX - 1 bytes; truncation is flagged).
 */
#ifndef AIRLOCK_AN_PATCH_H
#define AIRLOCK_AN_PATCH_H

#include <stddef.h>

#define AN_PATH_MAX 1024

enum {
    AN_FILE_NEW = 1u << 0,
    AN_FILE_DELETED = 1u << 1,
    AN_FILE_RENAMED = 1u << 2,
    AN_FILE_COPIED = 1u << 3,
    AN_FILE_BINARY = 1u << 4,
    AN_FILE_GIT = 1u << 5,            /* came from a `diff --git` header */
    AN_FILE_PATH_TRUNCATED = 1u << 6, /* a path did not fit AN_PATH_MAX */
    AN_FILE_PATH_BADQUOTE = 1u << 7,  /* a quoted path was malformed */
};

typedef struct {
    char old_path[AN_PATH_MAX]; /* without the a/ prefix; "" for /dev/null */
    char new_path[AN_PATH_MAX]; /* without the b/ prefix; "" for /dev/null */
    unsigned old_mode;          /* octal mode, 0 when unknown */
    unsigned new_mode;
    unsigned flags;             /* AN_FILE_* */
    size_t old_path_len;        /* decoded lengths (paths may hold NUL bytes) */
    size_t new_path_len;
} an_file_t;

/* Path that names the file after the patch (new_path, or old_path when the
 * file is deleted). */
const char *an_file_path(const an_file_t *f);

typedef enum {
    AN_LINE_ADDED = '+',
    AN_LINE_CONTEXT = ' ',
    AN_LINE_REMOVED = '-',
} an_line_kind_t;

typedef struct an_patch_visitor {
    /* Called once the header of a file is complete (before its first hunk
     * line, or at the end of the section when it has no hunks). */
    int (*on_file)(void *ud, const an_file_t *f);
    /* One hunk line without its prefix character and without the line end
     * (\n, \r\n). lineno is the new-side number (the old-side one for
     * removed lines). */
    int (*on_line)(void *ud, const an_file_t *f, an_line_kind_t kind,
                   unsigned lineno, const char *text, size_t len);
    /* Called after the last line of a file. */
    int (*on_file_end)(void *ud, const an_file_t *f);
} an_patch_visitor_t;

/* Walks the whole patch. Returns 0, or the first non-zero callback value. */
int an_patch_walk(const char *patch, size_t len,
                  const an_patch_visitor_t *v, void *ud);

/* Decodes a path as written in a diff header: either C-quoted ("a/x\tb") or
 * bare up to the end of `len`; strips one leading "a/" or "b/" when
 * strip_prefix is set; "/dev/null" becomes "". Writes at most out_size-1 bytes
 * plus a NUL and returns the decoded length; sets *flags bits
 * AN_FILE_PATH_TRUNCATED / AN_FILE_PATH_BADQUOTE as appropriate. */
size_t an_path_decode(const char *s, size_t len, int strip_prefix,
                      char *out, size_t out_size, unsigned *flags);

#endif
