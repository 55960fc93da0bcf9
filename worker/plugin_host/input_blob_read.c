/*
 * input_blob_read.c: the analyzer host's side of input_blob.h: checks the
 * blob and builds the airlock_input_t a plugin receives. Strings and texts
 * point into the blob; the record arrays are allocated here (owned by the
 * input_blob_view_t). Every offset, length and count is bounded by the
 * blob's size before it is used, so no input makes it read outside the blob
 * or allocate more than a small multiple of it.
 */
#include "worker/plugin_host/input_blob.h"

#include "common/error.h"

#include <stdlib.h>
#include <string.h>

enum { HEADER_SIZE = 56, STR_SIZE = 16, ADDED_REC = 16, LINE_REC = 24, CMD_REC = 48, FILE_REC = 104 };

typedef struct {
    const unsigned char *b;
    size_t len;
} reader_t;

static uint32_t r_u32(const reader_t *r, uint64_t at)
{
    uint32_t v;
    memcpy(&v, r->b + at, sizeof v);
    return v;
}

static uint64_t r_u64(const reader_t *r, uint64_t at)
{
    uint64_t v;
    memcpy(&v, r->b + at, sizeof v);
    return v;
}

/* 1 when n records of `size` bytes fit at off. */
static int r_fits(const reader_t *r, uint64_t off, uint64_t n, uint64_t size)
{
    return off <= r->len && (size == 0 || n <= (r->len - off) / size);
}

/* A str reference at `at`: *s and *n, NULL for none. c_string: no NUL byte
 * inside (paths, names). Returns 0 or AL_EPROTO. */
static int r_str(const reader_t *r, uint64_t at, int c_string, const char **s, size_t *n, const char *what)
{
    uint64_t off = r_u64(r, at), len = r_u64(r, at + 8);
    *s = NULL;
    if (n)
        *n = 0;
    if (off == INPUT_BLOB_NONE && len == 0)
        return 0;
    if (off >= r->len || len >= r->len - off || r->b[off + len] != '\0'
        || (c_string && memchr(r->b + off, '\0', len)))
        return al_err_set(AL_EPROTO, "analyzer input: %s is out of bounds or not terminated", what);
    *s = (const char *)r->b + off;
    if (n)
        *n = len;
    return 0;
}

/* A text slice (off, len) inside the blob. */
static int r_text(const reader_t *r, uint64_t off, uint32_t len, const char **s)
{
    if (off > r->len || len > r->len - off)
        return al_err_set(AL_EPROTO, "analyzer input: a line text is out of bounds");
    *s = (const char *)r->b + off;
    return 0;
}

static int r_added(const reader_t *r, uint64_t at, uint32_t n, airlock_line_t *out)
{
    for (uint32_t i = 0; i < n; i++, at += ADDED_REC) {
        out[i].lineno = r_u32(r, at);
        out[i].len = r_u32(r, at + 4);
        if (r_text(r, r_u64(r, at + 8), out[i].len, &out[i].text) != 0)
            return AL_EPROTO;
    }
    return 0;
}

static int r_lines(const reader_t *r, uint64_t at, uint32_t n, airlock_hunk_line_t *out)
{
    for (uint32_t i = 0; i < n; i++, at += LINE_REC) {
        out[i].old_lineno = r_u32(r, at);
        out[i].new_lineno = r_u32(r, at + 4);
        out[i].len = r_u32(r, at + 8);
        out[i].origin = r->b[at + 12];
        out[i].flags = r->b[at + 13];
        memcpy(&out[i].hunk, r->b + at + 14, sizeof out[i].hunk);
        if (r_text(r, r_u64(r, at + 16), out[i].len, &out[i].text) != 0)
            return AL_EPROTO;
    }
    return 0;
}

/* Counts and bounds of a file's arrays; they are placed later. */
static int r_file_arrays(const reader_t *r, uint64_t rec, uint64_t *na, uint64_t *nl)
{
    uint64_t a = r_u64(r, rec + 88), l = r_u64(r, rec + 96);
    *na = r_u32(r, rec + 76);
    *nl = r_u32(r, rec + 80);
    if ((a == INPUT_BLOB_NONE && *na) || (a != INPUT_BLOB_NONE && !r_fits(r, a, *na, ADDED_REC))
        || (l == INPUT_BLOB_NONE && *nl) || (l != INPUT_BLOB_NONE && !r_fits(r, l, *nl, LINE_REC)))
        return al_err_set(AL_EPROTO, "analyzer input: a file's line arrays are out of bounds");
    return 0;
}

static int r_file(const reader_t *r, uint64_t rec, airlock_file_t *f, airlock_line_t *added,
                  airlock_hunk_line_t *lines)
{
    uint64_t na, nl;
    memset(f, 0, sizeof *f);
    f->struct_size = sizeof *f;
    if (r_str(r, rec, 1, &f->path, NULL, "a file's path") != 0 || !f->path
        || r_str(r, rec + 16, 1, &f->old_path, NULL, "a file's old path") != 0
        || r_str(r, rec + 32, 1, &f->new_path, NULL, "a file's new path") != 0
        || r_str(r, rec + 48, 0, &f->content, &f->content_len, "a file's content") != 0
        || r_file_arrays(r, rec, &na, &nl) != 0)
        return al_err_set(AL_EPROTO, "analyzer input: malformed file record at %llu", (unsigned long long)rec);
    f->old_mode = r_u32(r, rec + 64);
    f->new_mode = r_u32(r, rec + 68);
    f->flags = r_u32(r, rec + 72);
    f->similarity = r_u32(r, rec + 84);
    f->n_added = (uint32_t)na;
    f->added = na ? added : NULL;
    f->n_lines = (uint32_t)nl;
    f->lines = nl ? lines : NULL;
    if ((na && r_added(r, r_u64(r, rec + 88), f->n_added, added) != 0)
        || (nl && r_lines(r, r_u64(r, rec + 96), f->n_lines, lines) != 0))
        return AL_EPROTO;
    return 0;
}

static int r_command(const reader_t *r, uint64_t rec, airlock_command_t *c, const char **argv)
{
    uint64_t a = r_u64(r, rec + 40);
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    c->index = r_u32(r, rec + 32);
    c->argc = r_u32(r, rec + 36);
    if (r_str(r, rec, 1, &c->stage, NULL, "a command's stage") != 0 || !c->stage
        || r_str(r, rec + 16, 0, &c->text, &c->text_len, "a command's text") != 0 || !c->text
        || c->argc == 0 || !r_fits(r, a, c->argc, STR_SIZE))
        return al_err_set(AL_EPROTO, "analyzer input: malformed command record at %llu", (unsigned long long)rec);
    for (uint32_t i = 0; i < c->argc; i++)
        if (r_str(r, a + (uint64_t)i * STR_SIZE, 1, &argv[i], NULL, "an argv string") != 0 || !argv[i])
            return al_err_set(AL_EPROTO, "analyzer input: malformed argv of a command");
    argv[c->argc] = NULL;
    c->argv = argv;
    return 0;
}

/* Sums the array sizes the view needs. Honest records never share bytes,
 * so each sum must fit in the blob: records pointing at the same bytes
 * cannot multiply the memory the view takes. */
static int r_count(const reader_t *r, uint64_t files, uint32_t nf, uint64_t cmds, uint32_t nc,
                   uint64_t *na, uint64_t *nl, uint64_t *nargv)
{
    *na = *nl = *nargv = 0;
    for (uint32_t i = 0; i < nf; i++) {
        uint64_t a, l;
        if (r_file_arrays(r, files + (uint64_t)i * FILE_REC, &a, &l) != 0)
            return AL_EPROTO;
        *na += a;
        *nl += l;
    }
    uint64_t strs = 0;
    for (uint32_t i = 0; i < nc; i++)
        strs += r_u32(r, cmds + (uint64_t)i * CMD_REC + 36);
    *nargv = strs + nc; /* each argv ends in NULL */
    if (*na > r->len / ADDED_REC || *nl > r->len / LINE_REC || strs > r->len / STR_SIZE)
        return al_err_set(AL_EPROTO, "analyzer input: more lines or argv entries than the blob holds");
    return 0;
}

static int r_alloc(input_blob_view_t *v, uint32_t nf, uint32_t nc, uint64_t na, uint64_t nl, uint64_t nargv)
{
    v->files = calloc(nf + 1u, sizeof *v->files);
    v->added = calloc(na + 1u, sizeof *v->added);
    v->lines = calloc(nl + 1u, sizeof *v->lines);
    v->cmds = calloc(nc + 1u, sizeof *v->cmds);
    v->argv = calloc(nargv + 1u, sizeof *v->argv);
    if (!v->files || !v->added || !v->lines || !v->cmds || !v->argv)
        return al_err_set(AL_ENOMEM, "analyzer input: out of memory");
    return 0;
}

static int r_all(const reader_t *r, input_blob_view_t *v)
{
    if (r->len < HEADER_SIZE || memcmp(r->b, INPUT_BLOB_MAGIC, 8) != 0)
        return al_err_set(AL_EPROTO, "analyzer input: not an input blob (magic or size)");
    uint32_t nf = r_u32(r, 12), nc = r_u32(r, 16);
    uint64_t files = r_u64(r, 40), cmds = r_u64(r, 48), na, nl, nargv;
    if (!r_fits(r, files, nf, FILE_REC) || !r_fits(r, cmds, nc, CMD_REC))
        return al_err_set(AL_EPROTO, "analyzer input: file or command records out of bounds");
    int rc = r_count(r, files, nf, cmds, nc, &na, &nl, &nargv);
    if (rc == 0)
        rc = r_alloc(v, nf, nc, na, nl, nargv);
    v->in.struct_size = sizeof v->in;
    v->in.origin = r_u32(r, 8);
    if (rc == 0 && (r_str(r, 24, 0, &v->in.patch, &v->in.patch_len, "the patch") != 0 || !v->in.patch))
        rc = al_err_set(AL_EPROTO, "analyzer input: no patch text");
    size_t a = 0, l = 0, g = 0;
    for (uint32_t i = 0; rc == 0 && i < nf; i++) {
        airlock_file_t *f = &v->files[i];
        rc = r_file(r, files + (uint64_t)i * FILE_REC, f, v->added + a, v->lines + l);
        a += f->n_added;
        l += f->n_lines;
    }
    for (uint32_t i = 0; rc == 0 && i < nc; i++) {
        rc = r_command(r, cmds + (uint64_t)i * CMD_REC, &v->cmds[i], v->argv + g);
        g += v->cmds[i].argc + 1u;
    }
    v->in.n_files = nf;
    v->in.files = nf ? v->files : NULL;
    v->in.n_commands = nc;
    v->in.commands = nc ? v->cmds : NULL;
    return rc;
}

int input_blob_read(const unsigned char *blob, size_t len, input_blob_view_t *v)
{
    reader_t r = { blob, len };
    memset(v, 0, sizeof *v);
    int rc = r_all(&r, v);
    if (rc != 0)
        input_blob_view_free(v);
    return rc;
}

void input_blob_view_free(input_blob_view_t *v)
{
    free(v->files);
    free(v->added);
    free(v->lines);
    free(v->cmds);
    free(v->argv);
    memset(v, 0, sizeof *v);
}
