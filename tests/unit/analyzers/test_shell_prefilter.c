/*
 * test_shell_prefilter.c: the shell analyzer's line prefilter
 * (sh_line_may_match) must never hide a finding. Every line of every corpus
 * file (all analyzers' corpora, as shell), plus each line cut at every
 * position, is scanned with the prefilter off; whenever that finds
 * something, the prefilter must have let the line through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers.h"
#include "corpus.h"
#include "shell_rules.h"

static int count(void *ud, const an_finding_t *f)
{
    (void)f;
    (*(unsigned *)ud)++;
    return 0;
}

static unsigned scan_unfiltered(const char *s, size_t n)
{
    sh_ctx_t c;
    unsigned found = 0;
    memset(&c, 0, sizeof c);
    c.emit = count;
    c.ud = &found;
    c.file = "x.sh";
    c.text = s;
    c.len = n;
    c.no_prefilter = 1;
    assert_int_equal(sh_rules_line(&c), 0);
    return found;
}

/* Returns the number of lines with findings (all of which passed). */
static unsigned check_text(const char *name, const char *s, size_t n)
{
    unsigned with = 0;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - s) - i : n - i;
        const char *line = s + i + ((len && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) ? 1 : 0);
        size_t ll = len - (size_t)(line - (s + i));
        for (size_t cut = 0; cut <= ll; cut++) {
            const char *p = line + cut;
            size_t pn = ll - cut;
            if (scan_unfiltered(p, pn) && !sh_line_may_match(p, pn))
                fail_msg("%s: prefilter hides a finding in \"%.*s\"", name, (int)pn, p);
            if (cut == 0 && scan_unfiltered(p, pn))
                with++;
            if (cut == ll)
                break;
        }
        i += len + 1;
    }
    return with;
}

static void test_prefilter_never_hides(void **s)
{
    char dir[1024], file[1536], err[256];
    unsigned lines_with_findings = 0;
    (void)s;
    for (size_t a = 0; a < analyzer_entries_count; a++) {
        char **names = NULL;
        size_t n = 0;
        snprintf(dir, sizeof dir, "%s/tests/corpus/%s", AIRLOCK_SOURCE_DIR, analyzer_entries[a].name);
        assert_int_equal(corpus_list(dir, &names, &n), 0);
        for (size_t i = 0; i < n; i++) {
            corpus_case_t c;
            snprintf(file, sizeof file, "%s/%s", dir, names[i]);
            assert_int_equal(corpus_case_load(file, &c, err, sizeof err), 0);
            lines_with_findings += check_text(names[i], c.body, c.body_len);
            corpus_case_free(&c);
        }
        corpus_list_free(names, n);
    }
    printf("prefilter: %u corpus lines with shell findings, none hidden\n", lines_with_findings);
    assert_true(lines_with_findings >= 40);
}

static void test_prefilter_rejects_plain_lines(void **s)
{
    static const char *const plain[] = {"make all", "cd build && cmake ..", "export CC=clang",
                                        "gcc -O2 -o app main.c", "if [ -z \"$X\" ]; then exit 1; fi"};
    (void)s;
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (sh_line_may_match(plain[i], strlen(plain[i])))
            fail_msg("plain line let through: %s", plain[i]);
    assert_true(sh_line_may_match("x | sudo tee", 12));
    assert_true(sh_line_may_match("cat ~/.ssh/id_rsa", 17));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefilter_never_hides),
        cmocka_unit_test(test_prefilter_rejects_plain_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
