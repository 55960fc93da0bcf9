/*
 * input_blob_write.c: the parent side of input_blob.h: lays the patch view
 * out as one flat blob (records first, strings appended as they are met)
 * and hands it over in a sealed memfd. Owns the growing buffer until the
 * memfd holds a copy.
 */
#include "worker/plugin_host/input_blob.h"

#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEADER_SIZE 56u

typedef struct {
    unsigned char *buf;
    size_t len, cap;
    int oom;
} writer_t;

enum { STR_SIZE = 16, ADDED_REC = 16, LINE_REC = 24, CMD_REC = 48, FILE_REC_SIZE = 104 };

/* Reserves n zeroed bytes at an 8-aligned offset; returns the offset. */
static uint64_t w_reserve(writer_t *w, size_t n)
{
    size_t off = (w->len + 7u) & ~(size_t)7u;
    if (w->oom || n > SIZE_MAX - off - 8) {
        w->oom = 1;
        return 0;
    }
    if (off + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < off + n)
            cap = cap > SIZE_MAX / 2 ? off + n : cap * 2;
        unsigned char *b = realloc(w->buf, cap);
        if (!b) {
            w->oom = 1;
            return 0;
        }
        w->buf = b;
        w->cap = cap;
    }
    memset(w->buf + w->len, 0, off + n - w->len);
    w->len = off + n;
    return off;
}

static void w_u32(writer_t *w, uint64_t at, uint32_t v)
{
    if (!w->oom)
        memcpy(w->buf + at, &v, sizeof v);
}

static void w_u64(writer_t *w, uint64_t at, uint64_t v)
{
    if (!w->oom)
        memcpy(w->buf + at, &v, sizeof v);
}

/* Appends s[0..n) and a NUL; returns its offset (INPUT_BLOB_NONE for NULL). */
static uint64_t w_bytes(writer_t *w, const char *s, size_t n)
{
    if (!s)
        return INPUT_BLOB_NONE;
    uint64_t off = w_reserve(w, n + 1);
    if (!w->oom && n)
        memcpy(w->buf + off, s, n);
    return off;
}

/* Writes a str reference (off, len) at `at`. */
static void w_str(writer_t *w, uint64_t at, const char *s, size_t n)
{
    uint64_t off = w_bytes(w, s, n);
    w_u64(w, at, off);
    w_u64(w, at + 8, s ? n : 0);
}

static void w_cstr(writer_t *w, uint64_t at, const char *s) { w_str(w, at, s, s ? strlen(s) : 0); }

static void w_file_lines(writer_t *w, uint64_t rec, const airlock_file_t *f)
{
    uint32_t na = f->added ? f->n_added : 0, nl = f->lines ? f->n_lines : 0;
    uint64_t a = w_reserve(w, (size_t)na * ADDED_REC), l = w_reserve(w, (size_t)nl * LINE_REC);
    w_u64(w, rec + 88, na ? a : INPUT_BLOB_NONE);
    w_u64(w, rec + 96, nl ? l : INPUT_BLOB_NONE);
    w_u32(w, rec + 76, na);
    w_u32(w, rec + 80, nl);
    for (uint32_t i = 0; i < na && !w->oom; i++) {
        const airlock_line_t *x = &f->added[i];
        uint64_t at = a + (uint64_t)i * ADDED_REC;
        w_u32(w, at, x->lineno);
        w_u32(w, at + 4, x->len);
        w_u64(w, at + 8, w_bytes(w, x->text ? x->text : "", x->len));
    }
    for (uint32_t i = 0; i < nl && !w->oom; i++) {
        const airlock_hunk_line_t *x = &f->lines[i];
        uint64_t at = l + (uint64_t)i * LINE_REC;
        w_u32(w, at, x->old_lineno);
        w_u32(w, at + 4, x->new_lineno);
        w_u32(w, at + 8, x->len);
        if (!w->oom) {
            w->buf[at + 12] = x->origin;
            w->buf[at + 13] = x->flags;
            memcpy(w->buf + at + 14, &x->hunk, sizeof x->hunk);
        }
        w_u64(w, at + 16, w_bytes(w, x->text ? x->text : "", x->len));
    }
}

static void w_file(writer_t *w, uint64_t rec, const airlock_file_t *f)
{
    w_cstr(w, rec, f->path);
    w_cstr(w, rec + 16, f->old_path);
    w_cstr(w, rec + 32, f->new_path);
    w_str(w, rec + 48, f->content, f->content ? f->content_len : 0);
    w_u32(w, rec + 64, f->old_mode);
    w_u32(w, rec + 68, f->new_mode);
    w_u32(w, rec + 72, f->flags);
    w_u32(w, rec + 84, f->similarity);
    w_file_lines(w, rec, f);
}

static void w_command(writer_t *w, uint64_t rec, const airlock_command_t *c)
{
    w_cstr(w, rec, c->stage);
    w_str(w, rec + 16, c->text, c->text ? c->text_len : 0);
    w_u32(w, rec + 32, c->index);
    w_u32(w, rec + 36, c->argc);
    uint64_t a = w_reserve(w, (size_t)c->argc * STR_SIZE);
    w_u64(w, rec + 40, a);
    for (uint32_t i = 0; i < c->argc && !w->oom; i++)
        w_cstr(w, a + (uint64_t)i * STR_SIZE, c->argv[i]);
}

static int w_memfd(const writer_t *w, int *fd_out)
{
    int fd = memfd_create("airlock-analyzer-input", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return al_err_set_errno(AL_EIO, "plugin host: memfd_create");
    size_t done = 0;
    while (done < w->len) {
        ssize_t n = write(fd, w->buf + done, w->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int rc = al_err_set_errno(AL_EIO, "plugin host: write the analyzer input");
            close(fd);
            return rc;
        }
        done += (size_t)n;
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0
        || lseek(fd, 0, SEEK_SET) != 0) {
        int rc = al_err_set_errno(AL_EIO, "plugin host: seal the analyzer input");
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return 0;
}

int input_blob_write(const airlock_input_t *in, int *fd_out)
{
    writer_t w = { 0 };
    *fd_out = -1;
    uint32_t nf = in->files ? in->n_files : 0, nc = in->commands ? in->n_commands : 0;
    uint64_t h = w_reserve(&w, HEADER_SIZE);
    if (!w.oom)
        memcpy(w.buf, INPUT_BLOB_MAGIC, 8);
    w_u32(&w, h + 8, in->origin);
    w_u32(&w, h + 12, nf);
    w_u32(&w, h + 16, nc);
    w_str(&w, h + 24, in->patch ? in->patch : "", in->patch ? in->patch_len : 0);
    uint64_t files = w_reserve(&w, (size_t)nf * FILE_REC_SIZE);
    uint64_t cmds = w_reserve(&w, (size_t)nc * CMD_REC);
    w_u64(&w, h + 40, files);
    w_u64(&w, h + 48, cmds);
    for (uint32_t i = 0; i < nf && !w.oom; i++)
        w_file(&w, files + (uint64_t)i * FILE_REC_SIZE, &in->files[i]);
    for (uint32_t i = 0; i < nc && !w.oom; i++)
        w_command(&w, cmds + (uint64_t)i * CMD_REC, &in->commands[i]);
    int rc = w.oom ? al_err_set(AL_ENOMEM, "plugin host: out of memory for the analyzer input")
                   : w_memfd(&w, fd_out);
    free(w.buf);
    return rc;
}
