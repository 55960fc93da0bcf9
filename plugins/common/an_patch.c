/*
 * an_patch.c: the unified-diff walker behind every built-in analyzer.
 *
 * One pass over the patch bytes, line by line, no allocation: the current
 * file's header lives in a walk_t on the caller's stack. See an_patch.h for
 * the leniency rules (added text outside hunks is still reported).
 */
#include "an_patch.h"

#include <stddef.h>
#include <string.h>

#include "an_core.h"

typedef struct {
    const an_patch_visitor_t *v;
    void *ud;
    an_file_t file;
    int have_file;      /* a file section is open */
    int announced;      /* on_file was called for it */
    int seen_minus;     /* its ---/+++ pair was seen */
    int in_hunk;
    unsigned old_left, new_left, old_no, new_no;
} walk_t;

const char *an_file_path(const an_file_t *f)
{
    if (f->new_path[0] != '\0' || (f->flags & AN_FILE_DELETED) == 0)
        return f->new_path;
    return f->old_path;
}

static int starts(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len >= n && memcmp(s, lit, n) == 0;
}

static int octal_escape(const char *s, size_t len, size_t i, unsigned *out)
{
    unsigned v = 0;
    if (i + 3 > len)
        return 0;
    for (size_t k = 0; k < 3; k++) {
        if (s[i + k] < '0' || s[i + k] > '7')
            return 0;
        v = v * 8 + (unsigned)(s[i + k] - '0');
    }
    *out = v & 0xff;
    return 1;
}

static char simple_escape(char c)
{
    switch (c) {
    case 'a': return '\a';
    case 'b': return '\b';
    case 't': return '\t';
    case 'n': return '\n';
    case 'v': return '\v';
    case 'f': return '\f';
    case 'r': return '\r';
    case '"': return '"';
    case '\\': return '\\';
    default: return 0;
    }
}

/* Decodes the C-quoted string starting at s[0] == '"'. */
static size_t decode_quoted(const char *s, size_t len, char *tmp, size_t tmp_size,
                            unsigned *flags)
{
    size_t o = 0, i = 1;
    int closed = 0;
    while (i < len) {
        char c = s[i++];
        unsigned oct;
        if (c == '"') {
            closed = 1;
            break;
        }
        if (c == '\\' && i < len) {
            if (octal_escape(s, len, i, &oct)) {
                c = (char)oct;
                i += 3;
            } else if ((c = simple_escape(s[i])) != 0) {
                i++;
            } else {
                *flags |= AN_FILE_PATH_BADQUOTE;
                c = s[i++];
            }
        }
        if (o + 1 < tmp_size)
            tmp[o++] = c;
        else
            *flags |= AN_FILE_PATH_TRUNCATED;
    }
    if (!closed)
        *flags |= AN_FILE_PATH_BADQUOTE;
    return o;
}

size_t an_path_decode(const char *s, size_t len, int strip_prefix,
                      char *out, size_t out_size, unsigned *flags)
{
    char tmp[AN_PATH_MAX];
    size_t n = 0, skip = 0;
    if (out_size == 0)
        return 0;
    if (len > 0 && s[0] == '"') {
        n = decode_quoted(s, len, tmp, sizeof tmp, flags);
    } else {
        const char *tab = memchr(s, '\t', len);
        n = tab ? (size_t)(tab - s) : len;
        if (n >= sizeof tmp) {
            n = sizeof tmp - 1;
            *flags |= AN_FILE_PATH_TRUNCATED;
        }
        memcpy(tmp, s, n);
    }
    if (n == 9 && memcmp(tmp, "/dev/null", 9) == 0)
        n = 0;
    if (strip_prefix && n >= 2 && (tmp[0] == 'a' || tmp[0] == 'b') && tmp[1] == '/')
        skip = 2;
    n -= skip;
    if (n >= out_size) {
        n = out_size - 1;
        *flags |= AN_FILE_PATH_TRUNCATED;
    }
    memcpy(out, tmp + skip, n);
    out[n] = '\0';
    return n;
}

static void set_path(walk_t *w, int which_new, const char *s, size_t len, int strip)
{
    an_file_t *f = &w->file;
    if (which_new)
        f->new_path_len = an_path_decode(s, len, strip, f->new_path, sizeof f->new_path, &f->flags);
    else
        f->old_path_len = an_path_decode(s, len, strip, f->old_path, sizeof f->old_path, &f->flags);
}

static int announce(walk_t *w)
{
    if (!w->have_file) {
        memset(&w->file, 0, sizeof w->file);
        w->have_file = 1;
        w->seen_minus = 0;
    }
    if (w->announced)
        return 0;
    w->announced = 1;
    return w->v->on_file ? w->v->on_file(w->ud, &w->file) : 0;
}

static int file_close(walk_t *w)
{
    int rc = 0;
    if (!w->have_file)
        return 0;
    rc = announce(w);
    if (rc == 0 && w->v->on_file_end)
        rc = w->v->on_file_end(w->ud, &w->file);
    w->have_file = 0;
    w->announced = 0;
    w->in_hunk = 0;
    return rc;
}

static int file_open(walk_t *w, unsigned flags)
{
    int rc = file_close(w);
    memset(&w->file, 0, sizeof w->file);
    w->file.flags = flags;
    w->have_file = 1;
    w->seen_minus = 0;
    return rc;
}

/* "diff --git a/X b/Y": a fallback for sections without ---/+++ lines. */
static void parse_git_header(walk_t *w, const char *s, size_t len)
{
    if (len > 0 && s[0] == '"') {
        size_t i = 1;
        while (i < len && s[i] != '"')
            i += (s[i] == '\\') ? 2 : 1;
        set_path(w, 0, s, i < len ? i + 1 : len, 1);
        i = i + 1 < len ? i + 2 : len;
        set_path(w, 1, s + i, len - i, 1);
        return;
    }
    size_t half = (len - 1) / 2;
    if (len >= 5 && (len & 1) && s[half] == ' ' &&
        memcmp(s + 2, s + half + 3, half - 2) == 0) {
        set_path(w, 0, s, half, 1);
        set_path(w, 1, s + half + 1, len - half - 1, 1);
        return;
    }
    for (size_t i = len; i-- > 3;) {
        if (memcmp(s + i - 3, " b/", 3) == 0) {
            set_path(w, 0, s, i - 3, 1);
            set_path(w, 1, s + i - 2, len - i + 2, 1);
            return;
        }
    }
    set_path(w, 1, s, len, 1);
}

static unsigned parse_octal(const char *s, size_t len)
{
    unsigned v = 0;
    for (size_t i = 0; i < len && s[i] >= '0' && s[i] <= '7' && v < 0x10000000u; i++)
        v = v * 8 + (unsigned)(s[i] - '0');
    return v;
}

static int parse_uint(const char **p, const char *end, unsigned *out)
{
    unsigned v = 0;
    const char *s = *p;
    if (s >= end || *s < '0' || *s > '9')
        return 0;
    while (s < end && *s >= '0' && *s <= '9') {
        if (v > 100000000u)
            return 0;
        v = v * 10 + (unsigned)(*s++ - '0');
    }
    *p = s;
    *out = v;
    return 1;
}

/* "@@ -a[,b] +c[,d] @@..." */
static int parse_hunk(walk_t *w, const char *s, size_t len)
{
    const char *p = s + 3, *end = s + len;
    unsigned a = 0, b = 1, c = 0, d = 1;
    if (p >= end || *p++ != '-' || !parse_uint(&p, end, &a))
        return 0;
    if (p < end && *p == ',' && (++p, !parse_uint(&p, end, &b)))
        return 0;
    if (p + 1 >= end || p[0] != ' ' || p[1] != '+')
        return 0;
    p += 2;
    if (!parse_uint(&p, end, &c))
        return 0;
    if (p < end && *p == ',' && (++p, !parse_uint(&p, end, &d)))
        return 0;
    if (end - p < 3 || memcmp(p, " @@", 3) != 0)
        return 0;
    w->old_no = a;
    w->new_no = c;
    w->old_left = b;
    w->new_left = d;
    w->in_hunk = (b + d) > 0;
    return 1;
}

static int emit_line(walk_t *w, an_line_kind_t kind, unsigned no, const char *s, size_t len)
{
    int rc = announce(w);
    if (rc == 0 && w->v->on_line)
        rc = w->v->on_line(w->ud, &w->file, kind, no, s, len);
    return rc;
}

/* Returns the callback's value; *consumed is 0 when the line ends the hunk
 * and must be parsed as a header line instead. */
static int hunk_line(walk_t *w, const char *s, size_t len, int *consumed)
{
    int rc = 0;
    char c = len ? s[0] : ' ';
    const char *body = len ? s + 1 : s;
    size_t blen = len ? len - 1 : 0;
    *consumed = 1;
    if (c == ' ' && w->new_left > 0 && w->old_left > 0) {
        rc = emit_line(w, AN_LINE_CONTEXT, w->new_no++, body, blen);
        w->new_left--;
        w->old_left--;
    } else if (c == '+' && w->new_left > 0) {
        rc = emit_line(w, AN_LINE_ADDED, w->new_no++, body, blen);
        w->new_left--;
    } else if (c == '-' && w->old_left > 0) {
        rc = emit_line(w, AN_LINE_REMOVED, w->old_no++, body, blen);
        w->old_left--;
    } else if (c != '\\') {
        w->in_hunk = 0;
        *consumed = 0;
        return 0;
    }
    if (w->old_left == 0 && w->new_left == 0)
        w->in_hunk = 0;
    return rc;
}

/* Extended git header lines that carry facts about the file. */
static int meta_line(walk_t *w, const char *s, size_t len)
{
    an_file_t *f = &w->file;
    if (starts(s, len, "new file mode ")) {
        f->flags |= AN_FILE_NEW;
        f->new_mode = parse_octal(s + 14, len - 14);
    } else if (starts(s, len, "deleted file mode ")) {
        f->flags |= AN_FILE_DELETED;
        f->old_mode = parse_octal(s + 18, len - 18);
    } else if (starts(s, len, "old mode ")) {
        f->old_mode = parse_octal(s + 9, len - 9);
    } else if (starts(s, len, "new mode ")) {
        f->new_mode = parse_octal(s + 9, len - 9);
    } else if (starts(s, len, "index ")) {
        const char *sp = memchr(s + 6, ' ', len - 6);
        if (sp && f->old_mode == 0 && f->new_mode == 0)
            f->old_mode = f->new_mode = parse_octal(sp + 1, len - (size_t)(sp + 1 - s));
    } else if (starts(s, len, "rename from ") || starts(s, len, "copy from ")) {
        size_t k = s[0] == 'r' ? 12 : 10;
        f->flags |= s[0] == 'r' ? AN_FILE_RENAMED : AN_FILE_COPIED;
        set_path(w, 0, s + k, len - k, 0);
    } else if (starts(s, len, "rename to ") || starts(s, len, "copy to ")) {
        size_t k = s[0] == 'r' ? 10 : 8;
        set_path(w, 1, s + k, len - k, 0);
    } else if (starts(s, len, "Binary files ") || starts(s, len, "GIT binary patch")) {
        f->flags |= AN_FILE_BINARY;
    } else {
        return 0;
    }
    return 1;
}

static int header_line(walk_t *w, const char *s, size_t len, const char *next, size_t next_len)
{
    int rc = 0;
    if (starts(s, len, "diff --git ")) {
        rc = file_open(w, AN_FILE_GIT);
        parse_git_header(w, s + 11, len - 11);
    } else if (starts(s, len, "--- ") && starts(next, next_len, "+++ ")) {
        if (!w->have_file || w->seen_minus || w->announced)
            rc = file_open(w, 0);
        w->seen_minus = 1;
        set_path(w, 0, s + 4, len - 4, 1);
    } else if (starts(s, len, "+++ ") && w->have_file && w->seen_minus && !w->announced) {
        set_path(w, 1, s + 4, len - 4, 1);
    } else if (starts(s, len, "@@ ") && parse_hunk(w, s, len)) {
        rc = announce(w);
    } else if (w->have_file && !w->announced && meta_line(w, s, len)) {
        rc = 0;
    } else if (len > 0 && s[0] == '+') {
        rc = emit_line(w, AN_LINE_ADDED, 0, s + 1, len - 1);
    }
    return rc;
}

static size_t line_len(const char *s, const char *end, const char **next)
{
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
    *next = nl ? nl + 1 : end;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    return n;
}

int an_patch_walk(const char *patch, size_t len, const an_patch_visitor_t *v, void *ud)
{
    walk_t w;
    const char *p = patch, *end = patch + len, *next, *after;
    int rc = 0;
    memset(&w, 0, sizeof w);
    w.v = v;
    w.ud = ud;
    while (rc == 0 && p < end) {
        size_t n = line_len(p, end, &next);
        int consumed = 0;
        if (w.in_hunk)
            rc = hunk_line(&w, p, n, &consumed);
        if (rc == 0 && !consumed) {
            size_t nn = next < end ? line_len(next, end, &after) : 0;
            rc = header_line(&w, p, n, next, nn);
        }
        p = next;
    }
    if (rc == 0)
        rc = file_close(&w);
    return rc;
}

typedef union {
    max_align_t align;
    char bytes[AN_STATE_MAX];
} state_buf_t;

int an_run_patch(const an_analyzer_t *a, const char *patch, size_t len,
                 an_emit_fn emit, void *ud)
{
    state_buf_t st;
    int rc;
    if (!a || !a->visitor || !a->begin || a->state_size > sizeof st || !emit)
        return AN_EINVAL;
    a->begin(&st, emit, ud);
    rc = an_patch_walk(patch ? patch : "", patch ? len : 0, a->visitor, &st);
    if (rc == 0 && a->end)
        rc = a->end(&st);
    return rc;
}
