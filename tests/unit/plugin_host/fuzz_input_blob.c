/*
 * fuzz_input_blob.c: libFuzzer target for the analyzer host's decoder of
 * its input (worker/plugin_host/input_blob_read.c): any byte string is
 * decoded or refused without a crash, a read outside it, a leak or an
 * allocation out of proportion to it; a decoded view's strings and texts
 * lie inside the input. Built with AIRLOCK_FUZZ=ON.
 */
#include "worker/plugin_host/input_blob.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *data, size_t size, const char *p, size_t n)
{
    if (p && ((const uint8_t *)p < data || (const uint8_t *)p + n > data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input_blob_view_t v;
    if (input_blob_read(data, size, &v) != 0)
        return 0;
    inside(data, size, v.in.patch, v.in.patch_len);
    for (uint32_t i = 0; i < v.in.n_files; i++) {
        const airlock_file_t *f = &v.in.files[i];
        inside(data, size, f->path, strlen(f->path));
        inside(data, size, f->content, f->content_len);
        for (uint32_t k = 0; k < f->n_added; k++)
            inside(data, size, f->added[k].text, f->added[k].len);
        for (uint32_t k = 0; k < f->n_lines; k++)
            inside(data, size, f->lines[k].text, f->lines[k].len);
    }
    for (uint32_t i = 0; i < v.in.n_commands; i++)
        for (uint32_t k = 0; k < v.in.commands[i].argc; k++)
            inside(data, size, v.in.commands[i].argv[k], strlen(v.in.commands[i].argv[k]));
    input_blob_view_free(&v);
    return 0;
}
