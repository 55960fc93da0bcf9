/*
 * patch_input.c: parses a patch once with libgit2 (git_diff_from_buffer) into
 * the airlock_input_t view handed to every plugin: per file the paths, modes,
 * flags and added lines with their new line numbers, and optionally the new
 * content read from a workspace. Owns everything the view points to
 * (plugin_input_free).
 */
#include "worker/plugin_host/plugin_host_internal.h"

#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint32_t file_flags(const git_diff_delta *d)
{
    uint32_t f = 0;
    uint32_t mode = d->status == GIT_DELTA_DELETED ? d->old_file.mode : d->new_file.mode;
    if (d->status == GIT_DELTA_ADDED) f |= AIRLOCK_FILE_ADDED;
    if (d->status == GIT_DELTA_DELETED) f |= AIRLOCK_FILE_DELETED;
    if (d->status == GIT_DELTA_RENAMED) f |= AIRLOCK_FILE_RENAMED;
    if (d->status == GIT_DELTA_COPIED) f |= AIRLOCK_FILE_COPIED;
    if (mode == AIRLOCK_MODE_LINK) f |= AIRLOCK_FILE_SYMLINK;
    if (mode == AIRLOCK_MODE_GITLINK) f |= AIRLOCK_FILE_SUBMODULE;
    if (d->flags & GIT_DIFF_FLAG_BINARY) f |= AIRLOCK_FILE_BINARY;
    if (d->old_file.mode && d->new_file.mode && d->old_file.mode != d->new_file.mode)
        f |= AIRLOCK_FILE_MODE_CHANGED;
    if (d->status != GIT_DELTA_DELETED && d->new_file.mode == AIRLOCK_MODE_EXEC)
        f |= AIRLOCK_FILE_EXECUTABLE;
    return f;
}

/* Added lines of one file, texts copied into the arena at *used. */
static int file_lines(git_patch *p, airlock_file_t *f, char *arena, size_t *used)
{
    size_t ctx, add, del;
    git_patch_line_stats(&ctx, &add, &del, p);
    airlock_line_t *lines = calloc(add + 1, sizeof *lines);
    if (!lines)
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    f->added = lines;
    for (size_t h = 0; h < git_patch_num_hunks(p); h++) {
        int n = git_patch_num_lines_in_hunk(p, h);
        for (int l = 0; l < n; l++) {
            const git_diff_line *gl = NULL;
            if (git_patch_get_line_in_hunk(&gl, p, h, (size_t)l) != 0 || gl->origin != GIT_DIFF_LINE_ADDITION
                || f->n_added >= add)
                continue;
            size_t len = gl->content_len;
            if (len && gl->content[len - 1] == '\n')
                len--;
            memcpy(arena + *used, gl->content, len);
            lines[f->n_added].text = arena + *used;
            lines[f->n_added].len = (uint32_t)len;
            lines[f->n_added].lineno = (uint32_t)gl->new_lineno;
            *used += len;
            f->n_added++;
        }
    }
    return 0;
}

static int file_fill(git_diff *diff, size_t i, airlock_file_t *f, char *arena, size_t *used)
{
    git_patch *p = NULL;
    int rc = 0;
    if (git_patch_from_diff(&p, diff, i) != 0 || !p)
        return al_err_set(AL_EGIT, "plugin host: patch of delta %zu unavailable", i);
    const git_diff_delta *d = git_patch_get_delta(p);
    f->struct_size = sizeof *f;
    f->old_mode = d->status == GIT_DELTA_ADDED ? 0 : d->old_file.mode;
    f->new_mode = d->status == GIT_DELTA_DELETED ? 0 : d->new_file.mode;
    f->flags = file_flags(d);
    if (d->status != GIT_DELTA_ADDED && d->old_file.path && !(f->old_path = strdup(d->old_file.path)))
        rc = AL_ENOMEM;
    if (d->status != GIT_DELTA_DELETED && d->new_file.path && !(f->new_path = strdup(d->new_file.path)))
        rc = AL_ENOMEM;
    f->path = f->new_path ? f->new_path : f->old_path;
    if (rc == 0 && !f->path)
        f->path = f->new_path = strdup("");
    if (rc == 0 && !f->path)
        rc = AL_ENOMEM;
    if (rc == AL_ENOMEM)
        al_err_set(rc, "plugin host: out of memory");
    else
        rc = file_lines(p, f, arena, used);
    git_patch_free(p);
    return rc;
}

/* New content of a regular file under the workspace, bounded; never follows
 * a symlink or leaves the workspace (openat2 RESOLVE_BENEATH). */
static void file_content(int dirfd, airlock_file_t *f, size_t max)
{
    struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
                            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
    struct stat st;
    if (!f->new_path || (f->flags & (AIRLOCK_FILE_SYMLINK | AIRLOCK_FILE_SUBMODULE)))
        return;
    int fd = (int)syscall(SYS_openat2, dirfd, f->new_path, &how, sizeof how);
    if (fd < 0)
        return;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= max
        && (buf = malloc((size_t)st.st_size + 1))) {
        ssize_t n = read(fd, buf, (size_t)st.st_size);
        if (n == st.st_size) {
            f->content = buf;
            f->content_len = (size_t)n;
            buf = NULL;
        }
    }
    free(buf);
    close(fd);
}

int plugin_input_build(plugin_input_t *pi, const char *patch, size_t len, const char *workspace,
                       size_t max_file_bytes)
{
    git_diff *diff = NULL;
    size_t used = 0;
    int rc = 0;
    memset(pi, 0, sizeof *pi);
    pi->in.struct_size = sizeof pi->in;
    pi->in.patch = patch ? patch : "";
    pi->in.patch_len = patch ? len : 0;
    if (pi->in.patch_len == 0) {
        pi->parsed = 1;
        return 0;
    }
    git_libgit2_init();
    if (git_diff_from_buffer(&diff, patch, len) != 0) {
        const git_error *e = git_error_last();
        char q[256];
        al_info("plugin_host.patch_unparsed", "error=%s",
                al_log_quote(q, sizeof q, e && e->message ? e->message : "unknown"));
        goto done;
    }
    size_t n = git_diff_num_deltas(diff);
    if (!(pi->arena = malloc(len + 1)) || !(pi->files = calloc(n + 1, sizeof *pi->files))) {
        rc = al_err_set(AL_ENOMEM, "plugin host: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        pi->in.n_files = (uint32_t)(i + 1);
        rc = file_fill(diff, i, &pi->files[i], pi->arena, &used);
    }
    pi->in.files = pi->files;
    pi->parsed = rc == 0;
    int dirfd = workspace && rc == 0 ? open(workspace, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    for (size_t i = 0; dirfd >= 0 && i < n; i++)
        file_content(dirfd, &pi->files[i], max_file_bytes);
    if (dirfd >= 0)
        close(dirfd);
done:
    git_diff_free(diff);
    git_libgit2_shutdown();
    if (rc != 0)
        plugin_input_free(pi);
    if (rc == AL_EGIT) { /* a delta libgit2 parsed but cannot show: treat as unparsed */
        pi->in.struct_size = sizeof pi->in;
        pi->in.patch = patch;
        pi->in.patch_len = len;
        rc = 0;
    }
    return rc;
}

void plugin_input_free(plugin_input_t *pi)
{
    for (size_t i = 0; pi->files && i < pi->in.n_files; i++) {
        airlock_file_t *f = &pi->files[i];
        free((void *)f->added);
        free((void *)f->content);
        if (f->old_path != f->new_path)
            free((void *)f->old_path);
        free((void *)f->new_path);
    }
    free(pi->files);
    free(pi->arena);
    plugin_commands_free(pi);
    memset(pi, 0, sizeof *pi);
}
