/*
 * test_an_command.c: an_cmd_targets names the files a job command runs with
 * a given runner (plugins/common/an_command.h): behind wrappers and
 * assignments, after flags, under a `cd DIR`, `./F` as a command; nothing
 * for `-c`, `-m`, stdin or a file passed as data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "an_command.h"

typedef struct {
    char got[512];
} out_t;

static void collect(void *ud, const char *path, size_t len)
{
    out_t *o = ud;
    size_t n = strlen(o->got);
    snprintf(o->got + n, sizeof o->got - n, "%s%.*s", n ? "," : "", (int)len, path);
}

static const char *targets(const char *cmd, int dot_slash)
{
    static out_t o;
    static const char *const runners[] = {"sh", "bash", "python3", "."};
    o.got[0] = '\0';
    an_cmd_targets(cmd, strlen(cmd), runners, 4, dot_slash, collect, &o);
    return o.got;
}

static void test_targets(void **s)
{
    (void)s;
    assert_string_equal(targets("sh ci/check.txt", 0), "ci/check.txt");
    assert_string_equal(targets("bash -x ./ci/check.txt arg", 0), "ci/check.txt");
    assert_string_equal(targets("sudo -E env A=1 timeout 60 /usr/bin/python3 -u 'tools/x y.json'", 0),
                        "tools/x y.json");
    assert_string_equal(targets("cd tools && python3 data.json; cd sub; sh run", 0),
                        "tools/data.json,tools/sub/run");
    assert_string_equal(targets("cd /abs && sh a; sh b", 0), "a,b");
    assert_string_equal(targets("make && ./scripts/t.sh | tee log", 1), "scripts/t.sh");
    assert_string_equal(targets("make && ./scripts/t.sh", 0), "");
    assert_string_equal(targets(". ./env.txt && cat notes.txt", 0), "env.txt");
    assert_string_equal(targets("sh -c 'cat notes.txt'; python3 -m pytest; sh <<'EOF'", 0), "");
    assert_string_equal(targets("bash - < ci/x.txt; sh <y.txt; sh > log 2> err z.txt", 0), "ci/x.txt,y.txt,z.txt");
    assert_string_equal(targets("tar xf a.tar; grep sh notes", 1), "");
    assert_string_equal(targets("(sh one)\nsh two &", 0), "one,two");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_targets)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
