/*
 * test_input_blob.c: the view the worker hands to an analyzer host
 * survives the memfd unchanged (every file field, added and hunk line,
 * post-image, command and argv), and the reader refuses blobs that are
 * truncated, mislabelled, point outside themselves or claim more lines
 * than they hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/error.h"
#include "worker/plugin_host/input_blob.h"
#include "worker/plugin_host/plugin_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char k_patch[] = "diff --git a/a.txt b/a.txt\n"
                              "new file mode 100644\n"
                              "index 0000000..1111111\n"
                              "--- /dev/null\n"
                              "+++ b/a.txt\n"
                              "@@ -0,0 +1,2 @@\n"
                              "+hello\n"
                              "+world\n"
                              "diff --git a/old.sh b/new.sh\n"
                              "similarity index 80%\n"
                              "rename from old.sh\n"
                              "rename to new.sh\n"
                              "index 1111111..2222222 100755\n"
                              "--- a/old.sh\n"
                              "+++ b/new.sh\n"
                              "@@ -1,2 +1,2 @@\n"
                              " #!/bin/sh\n"
                              "-echo old\n"
                              "+echo new\n";

static unsigned char *map_fd(int fd, size_t *len)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    *len = (size_t)st.st_size;
    void *m = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
    assert_true(m != MAP_FAILED);
    return m;
}

static void same_str(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void same_file(const airlock_file_t *a, const airlock_file_t *b)
{
    same_str(a->path, b->path);
    same_str(a->old_path, b->old_path);
    same_str(a->new_path, b->new_path);
    assert_int_equal(a->old_mode, b->old_mode);
    assert_int_equal(a->new_mode, b->new_mode);
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->similarity, b->similarity);
    assert_int_equal(a->content_len, b->content_len);
    assert_int_equal(a->content == NULL, b->content == NULL);
    if (a->content)
        assert_memory_equal(a->content, b->content, a->content_len);
    assert_int_equal(a->n_added, b->n_added);
    for (uint32_t k = 0; k < a->n_added; k++) {
        assert_int_equal(a->added[k].lineno, b->added[k].lineno);
        assert_int_equal(a->added[k].len, b->added[k].len);
        assert_memory_equal(a->added[k].text, b->added[k].text, a->added[k].len);
    }
    assert_int_equal(a->n_lines, b->n_lines);
    for (uint32_t k = 0; k < a->n_lines; k++) {
        const airlock_hunk_line_t *x = &a->lines[k], *y = &b->lines[k];
        assert_int_equal(x->old_lineno, y->old_lineno);
        assert_int_equal(x->new_lineno, y->new_lineno);
        assert_int_equal(x->origin, y->origin);
        assert_int_equal(x->flags, y->flags);
        assert_int_equal(x->hunk, y->hunk);
        assert_int_equal(x->len, y->len);
        assert_memory_equal(x->text, y->text, x->len);
    }
}

static void test_round_trip(void **state)
{
    const char *run0[] = { "/bin/sh", "-c", "make && ./a.out" }, *test0[] = { "pytest", "-q", "it's" };
    plugin_command_t cmds[] = { { "run", 0, run0, 3 }, { "test", 0, test0, 3 } };
    plugin_source_t src = PLUGIN_SOURCE_INIT;
    src.patch = k_patch;
    src.patch_len = strlen(k_patch);
    src.cmds = cmds;
    src.n_cmds = 2;
    plugin_view_t *pv = NULL;
    assert_int_equal(plugin_view_new(&pv, &src, AIRLOCK_CAP_ALL, NULL), 0);
    const airlock_input_t *in = plugin_view_input(pv);
    assert_int_equal(in->n_files, 2);
    assert_int_equal(in->n_commands, 2);

    int fd = -1;
    assert_int_equal(input_blob_write(in, &fd), 0);
    assert_int_equal(write(fd, "x", 1), -1); /* sealed */
    size_t len;
    unsigned char *m = map_fd(fd, &len);
    input_blob_view_t v;
    assert_int_equal(input_blob_read(m, len, &v), 0);
    assert_int_equal(v.in.origin, in->origin);
    assert_int_equal(v.in.patch_len, in->patch_len);
    assert_memory_equal(v.in.patch, in->patch, in->patch_len);
    assert_int_equal(v.in.n_files, in->n_files);
    for (uint32_t i = 0; i < in->n_files; i++)
        same_file(&in->files[i], &v.in.files[i]);
    assert_int_equal(v.in.n_commands, in->n_commands);
    for (uint32_t i = 0; i < in->n_commands; i++) {
        const airlock_command_t *a = &in->commands[i], *b = &v.in.commands[i];
        assert_string_equal(a->stage, b->stage);
        assert_int_equal(a->index, b->index);
        assert_int_equal(a->text_len, b->text_len);
        assert_string_equal(a->text, b->text);
        assert_int_equal(a->argc, b->argc);
        for (uint32_t k = 0; k < a->argc; k++)
            assert_string_equal(a->argv[k], b->argv[k]);
        assert_null(b->argv[b->argc]);
    }

    /* Every truncation is refused, none reads outside the copy. */
    for (size_t cut = 0; cut < len; cut += 1 + cut / 8) {
        unsigned char *t = malloc(cut ? cut : 1);
        memcpy(t, m, cut);
        input_blob_view_t w;
        assert_int_equal(input_blob_read(t, cut, &w), AL_EPROTO);
        free(t);
    }
    input_blob_view_free(&v);
    munmap(m, len);
    close(fd);
    plugin_view_destroy(&pv);
}

/* A hand-made blob: one file whose added-line array is n_added long. */
static size_t tiny_blob(unsigned char *b, size_t cap, uint32_t n_added, uint64_t added_off, uint64_t path_off)
{
    memset(b, 0, cap);
    memcpy(b, INPUT_BLOB_MAGIC, 8);
    uint32_t nf = 1;
    memcpy(b + 12, &nf, 4);
    uint64_t patch[2] = { 200, 0 }, files = 56, cmds = 160, none[2] = { INPUT_BLOB_NONE, 0 };
    memcpy(b + 24, patch, 16);
    memcpy(b + 40, &files, 8);
    memcpy(b + 48, &cmds, 8);
    uint64_t path[2] = { path_off, 1 };
    memcpy(b + 56, path, 16);
    memcpy(b + 72, none, 16);
    memcpy(b + 88, none, 16);
    memcpy(b + 104, none, 16);
    memcpy(b + 56 + 76, &n_added, 4);
    memcpy(b + 56 + 88, &added_off, 8);
    uint64_t nolines = INPUT_BLOB_NONE;
    memcpy(b + 56 + 96, &nolines, 8);
    b[200] = '\0';
    b[208] = 'a';
    b[209] = '\0';
    return 216;
}

static void test_refusals(void **state)
{
    unsigned char b[256];
    input_blob_view_t v;
    size_t n = tiny_blob(b, sizeof b, 0, INPUT_BLOB_NONE, 208);
    assert_int_equal(input_blob_read(b, n, &v), 0);
    assert_string_equal(v.in.files[0].path, "a");
    input_blob_view_free(&v);

    n = tiny_blob(b, sizeof b, 0, INPUT_BLOB_NONE, 9000); /* path outside */
    assert_int_equal(input_blob_read(b, n, &v), AL_EPROTO);
    n = tiny_blob(b, sizeof b, 0, INPUT_BLOB_NONE, 207); /* path "\0a": NUL inside */
    assert_int_equal(input_blob_read(b, n, &v), AL_EPROTO);
    n = tiny_blob(b, sizeof b, 1000, 0, 208); /* more added lines than the blob holds */
    assert_int_equal(input_blob_read(b, n, &v), AL_EPROTO);
    n = tiny_blob(b, sizeof b, 3, 192, 208); /* array runs past the end */
    assert_int_equal(input_blob_read(b, n, &v), AL_EPROTO);
    n = tiny_blob(b, sizeof b, 0, INPUT_BLOB_NONE, 208);
    b[0] = 'X';
    assert_int_equal(input_blob_read(b, n, &v), AL_EPROTO);
    assert_null(v.files);
}

/* The fuzzer's seed (written by make_seeds.py from the documented layout)
 * is a valid blob: the layout in input_blob.h is the one the code reads. */
static void test_seed_decodes(void **state)
{
    unsigned char b[4096];
    FILE *f = fopen(SEEDS_DIR "/one_file", "rb");
    assert_non_null(f);
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    input_blob_view_t v;
    assert_int_equal(input_blob_read(b, n, &v), 0);
    assert_int_equal(v.in.n_files, 1);
    assert_string_equal(v.in.files[0].path, "x");
    assert_null(v.in.files[0].old_path);
    assert_int_equal(v.in.files[0].n_added, 1);
    assert_memory_equal(v.in.files[0].added[0].text, "hi", 2);
    assert_int_equal(v.in.files[0].lines[0].origin, '+');
    assert_int_equal(v.in.files[0].content_len, 3);
    assert_int_equal(v.in.n_commands, 1);
    assert_string_equal(v.in.commands[0].argv[0], "make");
    input_blob_view_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_seed_decodes),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
