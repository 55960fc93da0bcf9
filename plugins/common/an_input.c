/*
 * an_input.c: an_run_input, the one driver of every analyzer core: walks the
 * host's libgit2-parsed input (see an_input.h) and calls the core's visitor,
 * then its command scanner. Keeps the core's state in a buffer on its own
 * stack (and a line that held NUL bytes, without them); allocates nothing.
 */
#include "an_input.h"

#include <string.h>

#define NUL_LINE_MAX 65536

typedef union {
    max_align_t align;
    char bytes[AN_STATE_MAX];
} state_buf_t;

const char *an_file_path(const an_file_t *f)
{
    if (f->new_path[0] != '\0' || (f->flags & AN_FILE_DELETED) == 0)
        return f->new_path;
    return f->old_path;
}

int an_text_like(const char *data, size_t len)
{
    size_t bad = 0, nul = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        nul += c == 0;
        bad += (c && c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') || c == 0x7f;
    }
    return len == 0 || (nul < len && bad * 20 <= len - nul);
}

static void file_from_host(an_file_t *f, const airlock_file_t *hf)
{
    memset(f, 0, sizeof *f);
    f->old_path = hf->old_path ? hf->old_path : "";
    f->new_path = hf->new_path ? hf->new_path : "";
    f->old_path_len = strlen(f->old_path);
    f->new_path_len = strlen(f->new_path);
    f->old_mode = hf->old_mode;
    f->new_mode = hf->new_mode;
    f->flags |= (hf->flags & AIRLOCK_FILE_ADDED) ? AN_FILE_NEW : 0;
    f->flags |= (hf->flags & AIRLOCK_FILE_DELETED) ? AN_FILE_DELETED : 0;
    f->flags |= (hf->flags & AIRLOCK_FILE_RENAMED) ? AN_FILE_RENAMED : 0;
    f->flags |= (hf->flags & AIRLOCK_FILE_COPIED) ? AN_FILE_COPIED : 0;
    if (!(hf->flags & AIRLOCK_FILE_BINARY))
        return;
    if (!hf->content)
        f->flags |= AN_FILE_BINARY | AN_FILE_CONTENT_MISSING;
    else if (an_text_like(hf->content, hf->content_len))
        f->flags |= AN_FILE_FROM_BINARY;
    else
        f->flags |= AN_FILE_BINARY;
}

/* A line holding NUL bytes as sh, bash and gcc read it: without them
 * ("cu\0rl" is curl), in pieces of NUL_LINE_MAX bytes at most. */
static int line_without_nul(const an_patch_visitor_t *v, void *st, const an_file_t *f, unsigned lineno,
                            const char *s, size_t n)
{
    char buf[NUL_LINE_MAX];
    size_t o = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i <= n; i++) {
        if (i == n || o == sizeof buf) {
            rc = v->on_line(st, f, AN_LINE_ADDED, lineno, buf, o);
            o = 0;
        }
        if (i < n && s[i])
            buf[o++] = s[i];
    }
    return rc;
}

/* Every line of a text post-image, as added lines numbered from 1. */
static int content_lines(const an_patch_visitor_t *v, void *st, const an_file_t *f, const char *s, size_t n)
{
    unsigned lineno = 1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; lineno++) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t k = nl ? (size_t)(nl - s) - i : n - i;
        size_t t = k && s[i + k - 1] == '\r' ? k - 1 : k;
        rc = memchr(s + i, '\0', t) ? line_without_nul(v, st, f, lineno, s + i, t)
                                    : v->on_line(st, f, AN_LINE_ADDED, lineno, s + i, t);
        i += k + 1;
    }
    return rc;
}

static int hunk_lines(const an_patch_visitor_t *v, void *st, const an_file_t *f, const airlock_file_t *hf)
{
    int rc = 0;
    if (hf->lines && hf->n_lines) {
        for (uint32_t k = 0; rc == 0 && k < hf->n_lines; k++) {
            const airlock_hunk_line_t *l = &hf->lines[k];
            an_line_kind_t kind = l->origin == AIRLOCK_LINE_ADDED     ? AN_LINE_ADDED
                                  : l->origin == AIRLOCK_LINE_REMOVED ? AN_LINE_REMOVED
                                                                      : AN_LINE_CONTEXT;
            rc = v->on_line(st, f, kind, kind == AN_LINE_REMOVED ? l->old_lineno : l->new_lineno, l->text,
                            l->len);
        }
        return rc;
    }
    for (uint32_t k = 0; rc == 0 && hf->added && k < hf->n_added; k++)
        rc = v->on_line(st, f, AN_LINE_ADDED, hf->added[k].lineno, hf->added[k].text, hf->added[k].len);
    return rc;
}

static int run_file(const an_patch_visitor_t *v, void *st, const airlock_file_t *hf)
{
    an_file_t f;
    int rc = 0;
    file_from_host(&f, hf);
    if (v->on_file)
        rc = v->on_file(st, &f);
    if (rc == 0 && v->on_line && (f.flags & AN_FILE_FROM_BINARY))
        rc = content_lines(v, st, &f, hf->content, hf->content_len);
    else if (rc == 0 && v->on_line && !(hf->flags & AIRLOCK_FILE_BINARY))
        rc = hunk_lines(v, st, &f, hf);
    else if (rc == 0 && v->on_binary && hf->content && (f.flags & AN_FILE_BINARY))
        rc = v->on_binary(st, &f, hf->content, hf->content_len);
    if (rc == 0 && v->on_file_end)
        rc = v->on_file_end(st, &f);
    return rc;
}

static int run_commands(const an_analyzer_t *a, const airlock_input_t *in, an_emit_fn emit, void *ud)
{
    char label[64];
    int rc = 0;
    if (!a->command || !in->commands)
        return 0;
    for (uint32_t i = 0; rc == 0 && i < in->n_commands; i++) {
        const airlock_command_t *c = &in->commands[i];
        if (c->struct_size < sizeof *c || !c->text || !c->stage)
            continue;
        an_command_label(label, sizeof label, c->stage, c->index);
        rc = a->command(c->text, c->text_len, label, emit, ud);
    }
    return rc;
}

int an_run_input(const an_analyzer_t *a, const airlock_input_t *in, an_emit_fn emit, void *ud)
{
    state_buf_t st;
    int rc = 0;
    if (!a || !a->visitor || !a->begin || a->state_size > sizeof st || !emit || !in ||
        in->struct_size < sizeof *in || (in->n_files && !in->files))
        return AN_EINVAL;
    a->begin(&st, emit, ud);
    for (uint32_t i = 0; a->note_command && in->commands && i < in->n_commands; i++)
        if (in->commands[i].struct_size >= sizeof in->commands[i] && in->commands[i].text)
            a->note_command(&st, in->commands[i].text, in->commands[i].text_len);
    for (uint32_t i = 0; rc == 0 && i < in->n_files; i++)
        if (in->files[i].struct_size >= sizeof in->files[i])
            rc = run_file(a->visitor, &st, &in->files[i]);
    if (rc == 0 && a->end)
        rc = a->end(&st);
    return rc == 0 ? run_commands(a, in, emit, ud) : rc;
}
