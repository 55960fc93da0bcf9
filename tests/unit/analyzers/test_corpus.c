/*
 * test_corpus.c: runs every file of tests/corpus/<analyzer>/ through the
 * analyzer core and checks the findings against the file's `# expect:` lines
 * (format in corpus.h): the set of (rule_id, severity) reported must equal
 * the set expected, and `# expect: none` files must give no finding at all.
 * Each corpus must hold true and false positives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers.h"
#include "corpus.h"

#define MAX_GOT 64

typedef struct {
    const char *prefix;
    struct { char rule[64]; an_severity_t sev; unsigned line; } got[MAX_GOT];
    unsigned n_got;
    unsigned bad;          /* findings breaking the output contract */
} collect_t;

static int collect(void *ud, const an_finding_t *f)
{
    collect_t *c = ud;
    if (!f->rule_id || strncmp(f->rule_id, c->prefix, strlen(c->prefix)) != 0 ||
        !f->message || !f->message[0] || !f->file || f->evidence_len > 256 ||
        (unsigned)f->severity > AN_SEV_CRITICAL)
        c->bad++;
    if (getenv("CORPUS_VERBOSE"))
        printf("  %s:%u %s %s [%.*s]\n", f->file ? f->file : "", f->line,
               f->rule_id ? f->rule_id : "", an_severity_name(f->severity),
               (int)f->evidence_len, f->evidence ? f->evidence : "");
    if (c->n_got < MAX_GOT) {
        snprintf(c->got[c->n_got].rule, sizeof c->got[0].rule, "%s", f->rule_id ? f->rule_id : "");
        c->got[c->n_got].sev = f->severity;
        c->got[c->n_got].line = f->line;
        c->n_got++;
    }
    return 0;
}

static int got_has(const collect_t *c, const corpus_expect_t *e)
{
    for (unsigned i = 0; i < c->n_got; i++)
        if (strcmp(c->got[i].rule, e->rule) == 0 && c->got[i].sev == e->sev)
            return 1;
    return 0;
}

static int expect_has(const corpus_case_t *cc, const char *rule, an_severity_t sev)
{
    for (unsigned i = 0; i < cc->n_expect; i++)
        if (strcmp(cc->expect[i].rule, rule) == 0 && cc->expect[i].sev == sev)
            return 1;
    return 0;
}

/* Returns the number of mismatches, printed. */
static int check_case(const analyzer_entry_t *a, const corpus_case_t *cc)
{
    collect_t c = {.prefix = a->prefix};
    int bad = 0, rc = analyzer_entry_run(a, cc, collect, &c);
    if (rc != 0) {
        printf("FAIL %s/%s: scan returned %d\n", a->name, cc->name, rc);
        return 1;
    }
    for (unsigned i = 0; i < cc->n_expect; i++)
        if (!got_has(&c, &cc->expect[i])) {
            printf("FAIL %s/%s: missing %s %s\n", a->name, cc->name, cc->expect[i].rule,
                   an_severity_name(cc->expect[i].sev));
            bad++;
        }
    for (unsigned i = 0; i < c.n_got; i++)
        if (!expect_has(cc, c.got[i].rule, c.got[i].sev)) {
            printf("FAIL %s/%s: unexpected %s %s line %u\n", a->name, cc->name, c.got[i].rule,
                   an_severity_name(c.got[i].sev), c.got[i].line);
            bad++;
        }
    if (c.bad) {
        printf("FAIL %s/%s: %u findings break the contract\n", a->name, cc->name, c.bad);
        bad++;
    }
    return bad;
}

static void run_corpus(const char *name)
{
    const analyzer_entry_t *a = analyzer_entry_find(name);
    char dir[1024], file[1536], err[512];
    char **names = NULL;
    size_t n = 0;
    unsigned tp = 0, fp = 0;
    int failures = 0;
    assert_non_null(a);
    snprintf(dir, sizeof dir, "%s/tests/corpus/%s", AIRLOCK_SOURCE_DIR, name);
    assert_int_equal(corpus_list(dir, &names, &n), 0);
    for (size_t i = 0; i < n; i++) {
        corpus_case_t cc;
        snprintf(file, sizeof file, "%s/%s", dir, names[i]);
        if (corpus_case_load(file, &cc, err, sizeof err) != 0) {
            printf("FAIL %s\n", err);
            failures++;
            continue;
        }
        if (cc.expect_none)
            fp++;
        else
            tp++;
        failures += check_case(a, &cc);
        corpus_case_free(&cc);
    }
    corpus_list_free(names, n);
    printf("corpus %s: %u true-positive files, %u false-positive files, %d failures\n",
           name, tp, fp, failures);
    assert_true(tp >= 5);
    assert_true(fp >= 3);
    assert_int_equal(failures, 0);
}

#define CORPUS_TEST(n) static void test_corpus_##n(void **s) { (void)s; run_corpus(#n); }
CORPUS_TEST(secrets)
CORPUS_TEST(shell)
CORPUS_TEST(python)
CORPUS_TEST(paths)
CORPUS_TEST(ci)
CORPUS_TEST(unicode)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_secrets),
        cmocka_unit_test(test_corpus_shell),
        cmocka_unit_test(test_corpus_python),
        cmocka_unit_test(test_corpus_paths),
        cmocka_unit_test(test_corpus_ci),
        cmocka_unit_test(test_corpus_unicode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
