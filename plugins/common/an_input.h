/*
 * an_input.h: the patch model as the analyzer cores see it, and the driver
 * that walks it.
 *
 * There is no diff parser here. The host (worker/plugin_host) parses the
 * patch once with libgit2 and hands every plugin an airlock_input_t
 * (airlock_plugin.h); an_run_input() walks that input and calls the
 * analyzer's visitor: on_file once per file, on_line for each hunk line
 * (context and removed lines too when the host passed them, i.e. with
 * AIRLOCK_CAP_PARSED), on_binary for the post-image of a binary file, and
 * on_file_end. A binary file whose post-image is text (at least 95% text
 * bytes, NUL bytes not counted: a `.py` sent as a GIT binary patch, a
 * script padded with NUL bytes) is presented as a text file whose every
 * line is added (flag AN_FILE_FROM_BINARY), its NUL bytes removed - sh,
 * bash and gcc skip them, so "cu<NUL>rl" runs curl - and every analyzer
 * reads it; other binaries go to on_binary (the secrets analyzer scans
 * their strings).
 *
 * Ownership: an_file_t and every pointer passed to the visitor are lent for
 * the duration of the callback (they point into the host's input).
 */
#ifndef AIRLOCK_AN_INPUT_H
#define AIRLOCK_AN_INPUT_H

#include <stddef.h>

#include "airlock_plugin.h"
#include "an_core.h"

enum {
    AN_FILE_NEW = 1u << 0,
    AN_FILE_DELETED = 1u << 1,
    AN_FILE_RENAMED = 1u << 2,
    AN_FILE_COPIED = 1u << 3,
    AN_FILE_BINARY = 1u << 4,       /* binary, not text-like: no lines (see on_binary) */
    AN_FILE_FROM_BINARY = 1u << 5,  /* lines come from a binary patch's text post-image */
    AN_FILE_CONTENT_MISSING = 1u << 6, /* binary whose post-image the host did not pass */
};

typedef struct {
    const char *old_path;       /* "" when the file is added */
    const char *new_path;       /* "" when the file is deleted */
    size_t old_path_len;
    size_t new_path_len;
    unsigned old_mode;          /* octal git mode, 0 when absent */
    unsigned new_mode;
    unsigned flags;             /* AN_FILE_* */
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
    /* Called once per file, before its lines. */
    int (*on_file)(void *ud, const an_file_t *f);
    /* One hunk line without its origin byte and line end. lineno is the
     * new-side number (the old-side one for removed lines). */
    int (*on_line)(void *ud, const an_file_t *f, an_line_kind_t kind,
                   unsigned lineno, const char *text, size_t len);
    /* The post-image of a binary file (not text-like); may be NULL. */
    int (*on_binary)(void *ud, const an_file_t *f, const char *data, size_t len);
    /* Called after the last line of a file. */
    int (*on_file_end)(void *ud, const an_file_t *f);
} an_patch_visitor_t;

/* Runs `a` over the host's input: begin, every file, end, then the job's
 * commands through a->command when the input carries them. Returns 0,
 * AN_EINVAL (bad analyzer or input), or the first non-zero value of the
 * emit callback. */
int an_run_input(const an_analyzer_t *a, const airlock_input_t *in, an_emit_fn emit, void *ud);

/* Whether data looks like text (at least 95% of its bytes other than NUL
 * are printable, whitespace or UTF-8; not when every byte is NUL). Exposed
 * for tests. */
int an_text_like(const char *data, size_t len);

#endif
