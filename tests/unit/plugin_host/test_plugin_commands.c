/*
 * test_plugin_commands.c: the job's commands through the plugin host (real
 * child processes). A plugin with AIRLOCK_CAP_COMMANDS gets every command
 * (stage, index, argv, the text the shell sees); the same plugin without
 * the capability and an old-style plugin get none and behave as before;
 * malformed or oversized command lists are refused before anything runs,
 * naming the command and field; the text built from an argv is exactly what
 * /bin/sh splits back into that argv (random words, checked by the real
 * shell); plugin_host_run_jobspec takes the commands of a parsed job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/error.h"
#include "common/jobspec/jobspec.h"
#include "worker/plugin_host/plugin_host_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char k_patch[] =
    "diff --git a/a.txt b/a.txt\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n"
    "+++ b/a.txt\n@@ -0,0 +1 @@\n+SECRET=1\n";

static plugin_set_t *set_of(const char *const *names, size_t n)
{
    plugin_set_t *s = plugin_set_new(NULL);
    assert_non_null(s);
    if (plugin_set_add_names(s, PHT_DIR, names, n) != 0)
        fail_msg("set: %s", al_err_msg());
    return s;
}

static const analysis_finding_t *find(const analysis_result_t *r, const char *plugin, const char *rule,
                                      const char *file)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const analysis_finding_t *f = &r->findings[i];
        if (strcmp(f->plugin, plugin) == 0 && strcmp(f->rule_id, rule) == 0
            && (!file || (f->file && strcmp(f->file, file) == 0)))
            return f;
    }
    return NULL;
}

static size_t count(const analysis_result_t *r, const char *plugin)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        n += strcmp(r->findings[i].plugin, plugin) == 0;
    return n;
}

static const char *const k_run0[] = { "/bin/sh", "-c", "make all", NULL };
static const char *const k_run1[] = { "python3", "-m", "pytest", "-k", "a b's", NULL };
static const char *const k_test[] = { "bash", "-lc", "set -e\npytest -q", NULL };
static const plugin_command_t k_cmds[] = {
    { "run", 0, k_run0, 3 },
    { "run", 1, k_run1, 5 },
    { "test", 0, k_test, 3 },
};

static void test_commands_by_capability(void **state)
{
    const char *names[] = { "pht_cmds", "pht_cmds_blind", "pht_good" };
    plugin_set_t *s = set_of(names, 3);
    analysis_result_t *r = NULL, *old = NULL;
    (void)state;
    assert_int_equal(plugin_host_run_job(s, k_patch, strlen(k_patch), NULL, k_cmds, 3, &r), 0);
    for (size_t i = 0; i < r->n_plugins; i++)
        assert_int_equal(r->plugins[i].status, PLUGIN_STATUS_OK);
    assert_int_equal(r->n_commands, 3);
    assert_string_equal(find(r, "cmds", "test.cmds", NULL)->message, "has=1 n=3 null=0");
    assert_string_equal(find(r, "cmds", "test.cmd", "job:run[0]")->message,
                        "argc=3 len=8 argv_ok=1 text=make all");
    assert_string_equal(find(r, "cmds", "test.cmd", "job:run[1]")->message,
                        "argc=5 len=31 argv_ok=1 text=python3 -m pytest -k 'a b'\\''s'");
    /* the script of bash -lc, its newline shown as '?' by the host's sanitizer */
    const analysis_finding_t *f = find(r, "cmds", "test.cmd", "job:test[0]");
    assert_string_equal(f->message, "argc=3 len=16 argv_ok=1 text=set -e?pytest -q");
    assert_string_equal(f->evidence, "set ********"); /* redacted like any evidence */
    assert_int_equal(count(r, "cmds"), 4);
    /* without the capability: nothing, and an old plugin is unchanged */
    assert_string_equal(find(r, "cmds_blind", "test.cmds", NULL)->message, "has=1 n=0 null=1");
    assert_int_equal(count(r, "cmds_blind"), 1);
    assert_int_equal(plugin_host_run(s, k_patch, strlen(k_patch), NULL, &old), 0);
    assert_int_equal(old->n_commands, 0);
    assert_int_equal(count(old, "good"), count(r, "good"));
    assert_string_equal(find(old, "cmds", "test.cmds", NULL)->message, "has=1 n=0 null=1");
    for (size_t i = 0; i < old->n_findings; i++) {
        const analysis_finding_t *a = &old->findings[i];
        if (strcmp(a->plugin, "good") == 0)
            assert_non_null(find(r, "good", a->rule_id, a->file));
    }
    analysis_result_destroy(&old);
    analysis_result_destroy(&r);
    plugin_set_destroy(&s);
}

static void expect_refused(const plugin_set_t *s, const plugin_command_t *c, size_t n, int code,
                           const char *msg)
{
    analysis_result_t *r = (analysis_result_t *)1;
    int rc = plugin_host_run_job(s, "", 0, NULL, c, n, &r);
    if (rc != code || r || !strstr(al_err_msg(), msg))
        fail_msg("rc=%d msg='%s', want %d '%s'", rc, al_err_msg(), code, msg);
}

static void test_refusals(void **state)
{
    const char *names[] = { "pht_cmds" };
    plugin_set_t *s = set_of(names, 1);
    const char *holes[] = { "make", NULL, "x", NULL };
    static plugin_command_t many[PLUGIN_MAX_COMMANDS + 1];
    (void)state;
    plugin_command_t c[2] = { k_cmds[0], { "run", 1, holes, 3 } };
    expect_refused(s, c, 2, AL_EINVAL, "command 1 (run[1]): argv[1] is NULL");
    c[1] = (plugin_command_t){ "run", 1, holes, 0 };
    expect_refused(s, c, 2, AL_EINVAL, "command 1 (run[1]): argc is 0");
    c[1] = (plugin_command_t){ "run", 1, NULL, 1 };
    expect_refused(s, c, 2, AL_EINVAL, "command 1 (run[1]): argc is 1, must be 1..4096 with an argv");
    c[1] = (plugin_command_t){ "Run", 1, k_run0, 3 };
    expect_refused(s, c, 2, AL_EINVAL, "command 1: stage must match");
    c[1] = (plugin_command_t){ NULL, 1, k_run0, 3 };
    expect_refused(s, c, 2, AL_EINVAL, "command 1: stage must match");
    c[1] = (plugin_command_t){ "run", PLUGIN_MAX_COMMANDS, k_run0, 3 };
    expect_refused(s, c, 2, AL_EINVAL, "command 1 (run): index 1024");
    c[1] = (plugin_command_t){ "run", 1, k_run0, PLUGIN_MAX_ARGV + 1 };
    expect_refused(s, c, 2, AL_EINVAL, "argc is 4097");
    expect_refused(s, NULL, 2, AL_EINVAL, "commands: 2 given but the list is NULL");
    for (size_t i = 0; i < PLUGIN_MAX_COMMANDS + 1; i++)
        many[i] = (plugin_command_t){ "run", i % PLUGIN_MAX_COMMANDS, k_run0, 3 };
    expect_refused(s, many, PLUGIN_MAX_COMMANDS + 1, AL_ELIMIT, "commands: 1025 given, limit 1024");
    /* bytes: a 3 MiB word quoted into the text crosses 8 MiB after two commands */
    size_t big = 3u << 20;
    char *word = malloc(big + 1);
    assert_non_null(word);
    memset(word, 'a', big);
    word[big] = '\0';
    word[0] = ' '; /* not plain: quoted in the text */
    const char *argv[] = { "printf", word, NULL };
    plugin_command_t b[3] = { { "run", 0, argv, 2 }, { "run", 1, argv, 2 }, { "test", 0, argv, 2 } };
    analysis_result_t *r = NULL;
    assert_int_equal(plugin_host_run_job(s, "", 0, NULL, b, 1, &r), 0);
    assert_int_equal(r->n_commands, 1);
    analysis_result_destroy(&r);
    expect_refused(s, b, 3, AL_ELIMIT, "commands: more than 8388608 bytes (at command 1, run[1])");
    free(word);
    /* the full count is accepted (the plugin's 1025 findings then hit the
     * finding bound: its own limit, reported as such) */
    assert_int_equal(plugin_host_run_job(s, "", 0, NULL, many, PLUGIN_MAX_COMMANDS, &r), 0);
    assert_int_equal(r->n_commands, PLUGIN_MAX_COMMANDS);
    assert_string_equal(find(r, "cmds", "test.cmds", NULL)->message, "has=1 n=1024 null=0");
    assert_int_equal(r->plugins[0].status, PLUGIN_STATUS_LIMIT);
    analysis_result_destroy(&r);
    plugin_set_destroy(&s);
}

/* Runs `set -- <text>` in /bin/sh and returns what it split the words into,
 * each as "<bytes>:<word>\n" (LC_ALL=C, so ${#a} counts bytes). */
static size_t sh_split(const char *text, char *out, size_t cap)
{
    char *script = NULL;
    int fds[2];
    size_t n = 0;
    assert_true(asprintf(&script, "set -- %s\nfor a; do printf '%%s:%%s\\n' \"${#a}\" \"$a\"; done", text) > 0);
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        char *const argv[] = { "sh", "-c", script, NULL };
        char *const envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin", NULL };
        execve("/bin/sh", argv, envp);
        _exit(127);
    }
    close(fds[1]);
    ssize_t k;
    while (n < cap && (k = read(fds[0], out + n, cap - n)) > 0)
        n += (size_t)k;
    close(fds[0]);
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    free(script);
    return n;
}

/* Words of three kinds: letters with one special character mixed in (so a
 * quoting mistake for any single character shows), fully random bytes, and
 * letters with bytes >= 0x80. */
static void random_word(char *w, size_t max, unsigned *seed)
{
    static const char specials[] = " \t\n'\"\\$`!*?[]{}~#&|;<>()=%@:,./-_+^";
    size_t len = (size_t)rand_r(seed) % max;
    int mode = rand_r(seed) % 3;
    char sp = specials[rand_r(seed) % (sizeof specials - 1)];
    for (size_t i = 0; i < len; i++) {
        int r = rand_r(seed) % 4;
        if (mode == 0)
            w[i] = r == 0 ? sp : (char)('a' + rand_r(seed) % 26);
        else if (mode == 1 && r == 0)
            w[i] = specials[rand_r(seed) % (sizeof specials - 1)];
        else if (r == 1)
            w[i] = (char)(0x80 + rand_r(seed) % 0x80);
        else
            w[i] = (char)('a' + rand_r(seed) % 26);
    }
    w[len] = '\0';
}

/* The text of an argv command is what the shell splits back into the argv. */
static void test_text_round_trips_through_sh(void **state)
{
    unsigned seed = 20261129;
    char words[6][12], want[1024], got[1024];
    (void)state;
    for (int iter = 0; iter < 400; iter++) {
        const char *argv[7];
        size_t argc = 1 + (size_t)rand_r(&seed) % 6, w = 0;
        for (size_t k = 0; k < argc; k++) {
            random_word(words[k], sizeof words[k], &seed);
            argv[k] = words[k];
            w += (size_t)snprintf(want + w, sizeof want - w, "%zu:%s\n", strlen(words[k]), words[k]);
        }
        argv[argc] = NULL;
        plugin_command_t c = { "run", 0, argv, argc };
        plugin_input_t pi;
        memset(&pi, 0, sizeof pi);
        assert_int_equal(plugin_commands_check(&c, 1), 0);
        assert_int_equal(plugin_commands_build(&pi, &c, 1), 0);
        assert_int_equal(pi.in.n_commands, 1);
        assert_int_equal(strlen(pi.cmds[0].text), pi.cmds[0].text_len);
        size_t n = sh_split(pi.cmds[0].text, got, sizeof got);
        if (n != w || memcmp(got, want, w) != 0)
            fail_msg("iteration %d: text [%s] splits differently", iter, pi.cmds[0].text);
        for (size_t k = 0; k < argc; k++)
            assert_string_equal(pi.cmds[0].argv[k], argv[k]);
        assert_null(pi.cmds[0].argv[argc]);
        plugin_input_free(&pi);
    }
}

/* A shell's -c script is the text itself; other forms are joined. */
static void test_shell_forms(void **state)
{
    static const struct {
        const char *argv[5];
        size_t argc;
        const char *text;
    } k[] = {
        { { "/bin/sh", "-c", "a | b\nc", NULL }, 3, "a | b\nc" },
        { { "/usr/bin/bash", "-euc", "x && y", "arg0" }, 4, "x && y" },
        { { "dash", "-c", "", NULL }, 3, "" },
        { { "sh", "-c", NULL }, 2, "sh -c" },
        { { "sh", "--c", "z", NULL }, 3, "sh --c z" },
        { { "python3", "-c", "print(1)", NULL }, 3, "python3 -c 'print(1)'" },
        { { "env", "sh", "-c", "curl x | sh" }, 4, "env sh -c 'curl x | sh'" },
        { { "", NULL }, 1, "''" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        plugin_command_t c = { "test", 0, k[i].argv, k[i].argc };
        plugin_input_t pi;
        memset(&pi, 0, sizeof pi);
        assert_int_equal(plugin_commands_build(&pi, &c, 1), 0);
        if (strcmp(pi.cmds[0].text, k[i].text) != 0)
            fail_msg("case %zu: text [%s], want [%s]", i, pi.cmds[0].text, k[i].text);
        assert_string_equal(pi.cmds[0].stage, "test");
        plugin_input_free(&pi);
    }
}

static void test_jobspec_entry(void **state)
{
    static const char json[] =
        "{\"repo\":\"/srv/repos/demo.git\",\"base\":\"main\","
        "\"run\":[\"make\",[\"curl\",\"-s\",\"https://x.example\"]],\"test\":\"make test\"}";
    const char *names[] = { "pht_cmds" };
    plugin_set_t *s = set_of(names, 1);
    jobspec_t *job = NULL;
    analysis_result_t *r = NULL;
    (void)state;
    if (jobspec_parse(json, strlen(json), &job) != 0)
        fail_msg("jobspec: %s", al_err_msg());
    assert_int_equal(plugin_host_run_jobspec(s, job, NULL, &r), 0);
    assert_int_equal(r->n_commands, 3);
    assert_string_equal(find(r, "cmds", "test.cmd", "job:run[0]")->message, "argc=3 len=4 argv_ok=1 text=make");
    assert_string_equal(find(r, "cmds", "test.cmd", "job:run[1]")->message,
                        "argc=3 len=25 argv_ok=1 text=curl -s https://x.example");
    assert_string_equal(find(r, "cmds", "test.cmd", "job:test[0]")->message,
                        "argc=3 len=9 argv_ok=1 text=make test");
    analysis_result_destroy(&r);
    r = (analysis_result_t *)1;
    assert_int_equal(plugin_host_run_jobspec(s, NULL, NULL, &r), AL_EINVAL);
    assert_null(r);
    jobspec_destroy(&job);
    plugin_set_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands_by_capability),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_text_round_trips_through_sh),
        cmocka_unit_test(test_shell_forms),
        cmocka_unit_test(test_jobspec_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
