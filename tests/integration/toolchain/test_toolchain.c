/*
 * test_toolchain.c: the default environment is a real build machine on every
 * driver. A job's commands find the Debian alternatives (cc, c++, awk, ...),
 * the dynamic linker cache, git and the interpreters, exactly as the project's
 * own CI would; a command that is not installed fails with exit 127 and a
 * clear "command not found" in the output.
 *
 * One group per driver that sandbox_driver_available() accepts; a driver that
 * is not usable here is reported and skipped (exit 77 when none is).
 * TOOLCHAIN_DRIVER=ns|microvm|gvisor runs one group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sb_run.h"
#include "worker/sandbox/sandbox.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sandbox_t *s_create(const char *driver)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = driver;
    spec.task_id = "toolchain";
    spec.limits = (sandbox_limits_t){ 1, 512, 256, 256, 1u << 20 };
    sandbox_t *sb = NULL;
    if (sandbox_create(&sb, &spec) != 0)
        fail_msg("sandbox_create(%s): %s", driver, al_err_msg());
    return sb;
}

static int s_setup(void **state)
{
    *state = s_create(*state);
    return 0;
}

static int s_teardown(void **state)
{
    sandbox_t *sb = *state;
    sandbox_destroy(&sb);
    return 0;
}

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
    sandbox_t *sb = *state;
    sb_run_t r;
    sb_run_sh(sb, &r, s_script, 600000, NULL);
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
    sandbox_t *sb = *state;
    sb_run_t r;
    sb_run_sh(sb, &r,
              "n=0; for l in /etc/alternatives/*; do [ -e \"$l\" ] || { echo \"dangling $l\"; n=$((n+1)); }; done;"
              " ls /etc/alternatives | wc -l; test -s /etc/ld.so.cache && echo ldcache;"
              " test -r /etc/ssl/certs/ca-certificates.crt && echo certs; . /etc/os-release && echo \"$ID\";"
              " test -e /etc/shadow || echo no-shadow; test -e /etc/ssl/private || echo no-private; exit $n",
              60000, NULL);
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
    sandbox_t *sb = *state;
    sb_run_t r;
    sb_run_sh(sb, &r, "no-such-tool-xyz --version", 60000, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.res.exit_code, 127);
    assert_non_null(strstr(r.err, "no-such-tool-xyz"));
    assert_non_null(strstr(r.err, "not found"));
    sb_run_free(&r);

    const char *argv[] = { "no-such-tool-xyz", "--version", NULL };
    sb_run_argv(sb, &r, argv, 60000, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.res.exit_code, 127);
    assert_non_null(strstr(r.err, "no-such-tool-xyz: command not found"));
    sb_run_free(&r);
}

static int s_run_driver(const char *driver, int *ran)
{
    const char *only = getenv("TOOLCHAIN_DRIVER");
    if (only && only[0] && strcmp(only, driver) != 0)
        return 0;
    if (!sandbox_driver_available(driver)) {
        printf("SKIP toolchain[%s]: %s\n", driver, al_err_msg());
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate_setup_teardown(test_tools, s_setup, s_teardown, (void *)driver),
        cmocka_unit_test_prestate_setup_teardown(test_alternatives_resolve, s_setup, s_teardown,
                                                 (void *)driver),
        cmocka_unit_test_prestate_setup_teardown(test_missing_command, s_setup, s_teardown, (void *)driver),
    };
    char name[64];
    snprintf(name, sizeof name, "toolchain[%s]", driver);
    (*ran)++;
    return _cmocka_run_group_tests(name, tests, sizeof tests / sizeof tests[0], NULL, NULL);
}

int main(void)
{
    const char *drivers[] = { "ns", "microvm", "gvisor" };
    int failed = 0, ran = 0;
    for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
        failed += s_run_driver(drivers[i], &ran);
    if (!ran) {
        printf("SKIP: no sandbox driver is usable here\n");
        return 77;
    }
    return failed ? 1 : 0;
}
