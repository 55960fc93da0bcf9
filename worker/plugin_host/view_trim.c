/*
 * view_trim.c: what a plugin of given capabilities sees of the patch view:
 * post-images only with AIRLOCK_CAP_FILES (decoded binaries also with
 * CAP_PARSED), hunk lines only with CAP_PARSED, added lines and the patch
 * text only with CAP_PATCH, the job's commands only with CAP_COMMANDS.
 * Owns nothing: it clears pointers in the caller's arrays.
 */
#include "worker/plugin_host/view_trim.h"

#include <stddef.h>

static void file_trim(airlock_file_t *f, uint64_t caps)
{
    int decoded = (f->flags & AIRLOCK_FILE_CONTENT_DECODED) != 0;
    if (!(caps & AIRLOCK_CAP_FILES) && !((caps & AIRLOCK_CAP_PARSED) && decoded)) {
        f->content = NULL;
        f->content_len = 0;
    }
    if (!(caps & AIRLOCK_CAP_PARSED)) {
        f->n_lines = 0;
        f->lines = NULL;
    }
    if (!(caps & AIRLOCK_CAP_PATCH)) {
        f->n_added = 0;
        f->added = NULL;
    }
}

void view_trim(airlock_input_t *in, airlock_file_t *files, uint64_t caps)
{
    for (uint32_t i = 0; files && i < in->n_files; i++)
        file_trim(&files[i], caps);
    if (!(caps & AIRLOCK_CAP_PATCH)) {
        in->patch = "";
        in->patch_len = 0;
    }
    if (!(caps & AIRLOCK_CAP_COMMANDS)) {
        in->n_commands = 0;
        in->commands = NULL;
    }
}
