/*
 * labelled.h: the labelled analyzer corpus (tests/corpus/labelled/), read for
 * test_labelled.c and bench/analyzers.
 *
 * Positives: every file of tests/corpus/labelled/pos/<analyzer>/ (generated
 * by gen_positives.py) and every tp_* of the hand-written corpora
 * tests/corpus/<analyzer>/; each names the rules it must trigger
 * (`# expect:`, corpus.h). Negatives: every fp_* of those corpora, and the
 * real files pinned by tests/corpus/labelled/negatives.manifest (Debian
 * packages on this machine, files of the corpus bundles), each turned into a
 * patch adding it at its own path; a pinned file that is missing or whose
 * bytes differ is skipped and counted, never guessed.
 *
 * Every case carries its patch model (plugin_view_t, the view the plugins
 * receive), built once. Ownership: labelled_t owns everything in it.
 */
#ifndef AIRLOCK_TEST_LABELLED_H
#define AIRLOCK_TEST_LABELLED_H

#include <stddef.h>
#include <stdio.h>

#include "analyzers.h"
#include "corpus.h"

typedef struct {
    char name[512];          /* where it comes from */
    char analyzer[16];       /* positives: the analyzer whose folder holds it; "" for negatives */
    char path[512];          /* the path the content is added at */
    corpus_expect_t expect[CORPUS_MAX_EXPECT];
    unsigned n_expect;       /* 0 for negatives */
    int commands;            /* CORPUS_CMDS_* (job commands) */
    char *body;              /* content (commands cases: the commands) */
    size_t body_len;
    size_t patch_len;        /* bytes of the patch (throughput counts these) */
    plugin_view_t *view;     /* the patch model; NULL for commands cases */
} labelled_case_t;

typedef struct {
    labelled_case_t *pos, *neg;
    size_t n_pos, n_neg;
    size_t neg_pinned;       /* manifest entries */
    size_t neg_missing;      /* of them: absent or changed here */
} labelled_t;

/* Loads everything; src_dir is the source tree, bundles the directory of the
 * corpus bundles (may be missing: bundle negatives then count as missing).
 * Returns 0 or -1 with a message in err. */
int labelled_load(labelled_t *l, const char *src_dir, const char *bundles, char *err, size_t err_size);
void labelled_free(labelled_t *l);

/* Runs analyzer a over one case (its view, or its commands). */
int labelled_run(const analyzer_entry_t *a, const labelled_case_t *c, an_emit_fn emit, void *ud);

/* Quality of one analyzer over the corpus. A label (a positive's expected
 * rule of this analyzer) is hit when that rule fires at that severity; a
 * negative file is a false positive when the analyzer reports a finding of
 * severity medium or above on it (an advisory - info, low - is counted
 * apart: recorded in the audit, blocking only when a job sets block_at that
 * low). Hand-written fp_ cases are negatives of their own analyzer only; the
 * paths analyzer judges where a file goes, so real files a repository holds
 * at a protected path (a project's own .github/) are not negatives for it. */
#define LABELLED_MAX_RULES 64
typedef struct {
    char rule[64];
    unsigned labels, hits;   /* positives labelled with it, of them found */
    unsigned neg_files;      /* negative files it fired on */
} rule_score_t;

typedef struct {
    unsigned labels, hits;
    unsigned neg_files, neg_fired;  /* negatives judged; of them with a finding >= medium */
    unsigned neg_advisory;          /* negatives with advisories (info, low) only */
    rule_score_t rules[LABELLED_MAX_RULES];
    unsigned n_rules;
} analyzer_score_t;

/* Scores analyzer a; misses and false positives are printed to `log` when
 * it is not NULL. Returns 0 or -1 (a case failed to run). */
int labelled_score(const labelled_t *l, const analyzer_entry_t *a, analyzer_score_t *out, FILE *log);

#endif
