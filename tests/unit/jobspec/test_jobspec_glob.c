/*
 * test_jobspec_glob.c: jobspec_glob_match semantics (gitignore-like) as a
 * table, plus hostile patterns that must stay cheap and safe.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/jobspec/jobspec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *pat, *path;
    int match;
} k_cases[] = {
    { "**", "a", 1 },
    { "**", "a/b/c", 1 },
    { "dir/**", "dir/a", 1 },
    { "dir/**", "dir/a/b/c.txt", 1 },
    { "dir/**", "dir", 0 },
    { "dir/**", "dirx/a", 0 },
    { "dir/**", "x/dir/a", 0 },
    { ".github/**", ".github/workflows/ci.yml", 1 },
    { "src/*.c", "src/a.c", 1 },
    { "src/*.c", "src/sub/a.c", 0 },
    { "src/*.c", "src/.c", 1 },
    { "*.pem", "key.pem", 1 },
    { "*.pem", "deep/er/key.pem", 1 },
    { "*.pem", "key.pem.txt", 0 },
    { "CODEOWNERS", "CODEOWNERS", 1 },
    { "CODEOWNERS", "docs/CODEOWNERS", 1 },
    { "/CODEOWNERS", "docs/CODEOWNERS", 0 },
    { "/CODEOWNERS", "CODEOWNERS", 1 },
    { ".git", ".git/config", 1 },
    { ".git", "sub/.git", 1 },
    { ".git", ".gitignore", 0 },
    { ".git", "a.git", 0 },
    { "src", "src/a.c", 1 },
    { "src", "lib/src/a.c", 1 },
    { "/src", "lib/src/a.c", 0 },
    { "a/**/b", "a/b", 1 },
    { "a/**/b", "a/x/y/b", 1 },
    { "a/**/b", "a/xb", 0 },
    { "a/**/b", "a/x/b/c", 1 },
    { "**/b", "b", 1 },
    { "**/b", "x/y/b", 1 },
    { "**/b", "x/yb", 0 },
    { "a?c", "abc", 1 },
    { "a?c", "a/c", 0 },
    { "a?c", "ac", 0 },
    { "a*", "a", 1 },
    { "a**b", "axxb", 1 },
    { "a**b", "ax/xb", 0 },
    { "x/*", "x/y", 1 },
    { "x/*", "x/y/z", 1 },
    { "x/*/", "x/y", 0 },
    { "x/*/", "x/y/z", 1 },
    { "build/", "build", 0 },
    { "build/", "build/out.o", 1 },
    { "build/", "a/build/out.o", 1 },
    { "*", "anything/at/all", 1 },
    { "docs/*.md", "docs/README.md", 1 },
    { "docs/*.md", "README.md", 0 },
    { "", "a", 0 },
    { "/", "a", 0 },
};

static void test_table(void **state)
{
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++) {
        int got = jobspec_glob_match(k_cases[i].pat, k_cases[i].path);
        if (got != k_cases[i].match)
            fail_msg("glob '%s' vs '%s': got %d, want %d", k_cases[i].pat, k_cases[i].path, got,
                     k_cases[i].match);
    }
    assert_int_equal(jobspec_glob_match(NULL, "a"), 0);
    assert_int_equal(jobspec_glob_match("a", NULL), 0);
}

/* A backtracking matcher takes exponential time on these; ours is linear in
 * the path per pattern token, so this finishes (ctest TIMEOUT is the bound). */
static void test_hostile(void **state)
{
    char pat[1100], path[4097];
    size_t n = 0;
    for (int i = 0; i < 300; i++) {
        pat[n++] = 'a';
        pat[n++] = '*';
    }
    pat[n++] = 'b';
    pat[n] = '\0';
    memset(path, 'a', 4096);
    path[4096] = '\0';
    assert_int_equal(jobspec_glob_match(pat, path), 0);
    for (size_t i = 0; i < 4096; i += 2)
        path[i] = '/';
    assert_int_equal(jobspec_glob_match("**/**/**/**/**/**/**/**/**/x", path), 0);
    memset(pat, 'x', 1099);
    pat[1099] = '\0';
    assert_int_equal(jobspec_glob_match(pat, "x"), 0); /* over the pattern bound */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
