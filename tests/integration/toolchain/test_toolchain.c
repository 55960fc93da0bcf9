/*
 * test_toolchain.c: the default environment is a real build machine on every
 * driver. A job's commands find the Debian alternatives (cc, c++, awk, ...),
 * the dynamic linker cache, git and the interpreters, exactly as the project's
 * own CI would; a command that is not installed fails with exit 127 and a
 * clear "command not found" in the output.
 *
 * Each driver that sandbox_driver_available() accepts runs the cases twice:
 * on the default environment (the host's /usr) and on a built one
 * (tests/integration/environments/toolchain.json, Debian packages installed
 * by mmdebstrap, prepared by the worker's environment cache), which must
 * also see its own variables. A driver that is not usable here is reported
 * and skipped (exit 77 when none is). TOOLCHAIN_DRIVER=ns|microvm|gvisor runs one
 * driver, TOOLCHAIN_ENV=default|built one environment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sb_run.h"
#include "test_env.h"
#include "worker/sandbox/sandbox.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *driver;
    env_handle_t *env;     /* NULL: the default environment */
    sandbox_t *sb;
} tc_t;

static test_env_t *s_built;
static char s_cache[64];   /* the worker-side cache of this run */

static int s_setup(void **state)
{
    tc_t *c = *state;
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = c->driver;
    spec.task_id = "toolchain";
    spec.limits = (sandbox_limits_t){ 1, 512, 256, 256, 1u << 20 };
    spec.env = c->env ? &c->env->env : NULL;
    if (sandbox_create(&c->sb, &spec) != 0)
        fail_msg("sandbox_create(%s): %s", c->driver, al_err_msg());
    const char *want = c->env ? c->env->digest : SANDBOX_ENV_DEFAULT;
    assert_string_equal(sandbox_info(c->sb)->environment, want);
    return 0;
}

static int s_teardown(void **state)
{
    tc_t *c = *state;
    sandbox_destroy(&c->sb);
    return 0;
}

static const char *const *s_vars(const tc_t *c) { return c->env ? (const char *const *)c->env->vars : NULL; }

/* Every tool does real work; each prints "<tool>-ok" only when it did. */
static const char s_script[] =
    "set -u; cd /tmp\n"
    "printf '#include <stdio.h>\\nint main(void){puts(\"cc-ok\");return 0;}\\n' > t.c\n"
    "cc -O0 -o t t.c && ./t\n"
    "printf '#include <string>\\n#include <cstdio>\\n"
    "int main(){std::string s(\"c++-ok\");std::puts(s.c_str());}\\n' > t.cc\n"
    "c++ -O0 -o tx t.cc && ./tx\n"
    "printf 'all:\\n\\t@echo make-ok\\n' > Makefile && make -s\n"
    "echo awk | awk '{ print $1 \"-ok\" }'\n"
    "echo sed | sed 's/$/-ok/'\n"
    "perl -e 'print \"perl-ok\\n\"'\n"
    "python3 -c 'import ssl, json; print(\"python3-ok\")'\n"
    "git init -q g && cd g && echo x > f && git add f &&"
    " git -c user.email=t@example.org -c user.name=t commit -qm x && git rev-parse -q --verify HEAD >/dev/null"
    " && echo git-ok; cd /tmp\n"
    "sh -c 'echo sh-ok'\n";

static void test_tools(void **state)
{
    tc_t *c = *state;
    sb_run_t r;
    sb_run_sh(c->sb, &r, s_script, 600000, s_vars(c));
    if (r.rc != 0 || r.res.exit_code != 0)
        print_message("stdout:\n%s\nstderr:\n%s\n", r.out, r.err);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "cc-ok\nc++-ok\nmake-ok\nawk-ok\nsed-ok\nperl-ok\npython3-ok\ngit-ok\nsh-ok\n");
    assert_int_equal(r.res.exit_code, 0);
    sb_run_free(&r);
}

/* The dangling-alternative bug: every alternative the host has resolves. */
static void test_alternatives_resolve(void **state)
{
    tc_t *c = *state;
    sb_run_t r;
    sb_run_sh(c->sb, &r,
              "n=0; for l in /etc/alternatives/*; do [ -e \"$l\" ] || { echo \"dangling $l\"; n=$((n+1)); }; done;"
              " ls /etc/alternatives | wc -l; test -s /etc/ld.so.cache && echo ldcache;"
              " test -r /etc/ssl/certs/ca-certificates.crt && echo certs; . /etc/os-release && echo \"$ID\";"
              " test -r /etc/shadow || echo no-shadow; test -r /etc/ssl/private/ssl-cert-snakeoil.key || echo "
              "no-private; exit $n",
              60000, s_vars(c));
    assert_int_equal(r.rc, 0);
    if (r.res.exit_code != 0)
        print_message("%s", r.out);
    assert_int_equal(r.res.exit_code, 0);
    assert_true(atoi(r.out) > 0);
    assert_non_null(strstr(r.out, "ldcache\ncerts\ndebian\nno-shadow\nno-private\n"));
    sb_run_free(&r);
}

static void test_missing_command(void **state)
{
    tc_t *c = *state;
    sandbox_t *sb = c->sb;
    sb_run_t r;
    sb_run_sh(sb, &r, "no-such-tool-xyz --version", 60000, s_vars(c));
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.res.exit_code, 127);
    assert_non_null(strstr(r.err, "no-such-tool-xyz"));
    assert_non_null(strstr(r.err, "not found"));
    sb_run_free(&r);

    const char *argv[] = { "no-such-tool-xyz", "--version", NULL };
    sb_run_argv(sb, &r, argv, 60000, s_vars(c));
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.res.exit_code, 127);
    assert_non_null(strstr(r.err, "no-such-tool-xyz: command not found"));
    sb_run_free(&r);
}

/* The root is the environment's own: its variables, its os-release, its
 * packages (pytest is not on the host), its user account; and read-only. */
static void test_environment_identity(void **state)
{
    tc_t *c = *state;
    sb_run_t r;
    sb_run_sh(c->sb, &r,
              "echo \"probe=${AIRLOCK_ENV_PROBE:-none} user=$(id -un) home=$HOME\"; "
              "python3 -c 'import pytest' 2>/dev/null && echo pytest || echo no-pytest; "
              "touch /usr/x 2>/dev/null && echo usr-writable || echo usr-ro; "
              "touch /workspace/x && echo ws-writable",
              120000, s_vars(c));
    assert_int_equal(r.rc, 0);
    if (c->env)
        assert_string_equal(r.out, "probe=built user=sandbox home=/workspace\npytest\nusr-ro\nws-writable\n");
    else
        assert_non_null(strstr(r.out, "probe=none user=sandbox home=/workspace\n"));
    sb_run_free(&r);
}

static int s_run_group(tc_t *c, const char *envname)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate_setup_teardown(test_tools, s_setup, s_teardown, c),
        cmocka_unit_test_prestate_setup_teardown(test_alternatives_resolve, s_setup, s_teardown, c),
        cmocka_unit_test_prestate_setup_teardown(test_missing_command, s_setup, s_teardown, c),
        cmocka_unit_test_prestate_setup_teardown(test_environment_identity, s_setup, s_teardown, c),
    };
    char name[64];
    snprintf(name, sizeof name, "toolchain[%s,%s]", c->driver, envname);
    return _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}

static int s_wanted(const char *var, const char *value)
{
    const char *only = getenv(var);
    return !only || !only[0] || strcmp(only, value) == 0;
}

/* The built environment, made once; NULL (and why) when it cannot be. */
static test_env_t *s_built_env(void)
{
    static int tried;
    if (!tried) {
        tried = 1;
        snprintf(s_cache, sizeof s_cache, "/tmp/toolchain-envs-%d", (int)getpid());
        if (test_env_new(&s_built, AIRLOCK_SOURCE_DIR "/tests/integration/environments/toolchain.json", s_cache) != 0)
            printf("built environment unavailable: %s\n", al_err_msg());
    }
    return s_built;
}

static int s_run_driver(const char *driver, int *ran)
{
    if (!s_wanted("TOOLCHAIN_DRIVER", driver))
        return 0;
    if (!sandbox_driver_available(driver)) {
        printf("SKIP toolchain[%s]: %s\n", driver, al_err_msg());
        return 0;
    }
    int failed = 0;
    tc_t c = { .driver = driver };
    if (s_wanted("TOOLCHAIN_ENV", "default")) {
        (*ran)++;
        failed += s_run_group(&c, "default");
    }
    if (s_wanted("TOOLCHAIN_ENV", "built")) {
        test_env_t *t = s_built_env();
        if (!t || test_env_acquire(t, strcmp(driver, "microvm") == 0, &c.env) != 0) {
            printf("FAIL toolchain[%s,built]: %s\n", driver, al_err_msg());
            return failed + 1;
        }
        (*ran)++;
        failed += s_run_group(&c, "built");
        env_cache_release(&c.env);
    }
    return failed;
}

int main(void)
{
    const char *drivers[] = { "ns", "microvm", "gvisor" };
    int failed = 0, ran = 0;
    for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
        failed += s_run_driver(drivers[i], &ran);
    test_env_destroy(&s_built);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_cache);
    if (s_cache[0] && system(cmd) != 0)
        printf("could not remove %s\n", s_cache);
    if (!ran) {
        printf("SKIP: no sandbox driver is usable here\n");
        return 77;
    }
    return failed ? 1 : 0;
}
