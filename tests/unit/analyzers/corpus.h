/*
 * corpus.h: reads the analyzer corpora under tests/corpus/<analyzer>/ and runs
 * an analyzer core over them (used by test_corpus.c and bench/analyzers).
 *
 * A corpus file starts with header lines, each removed before scanning:
 *     # expect: <rule_id> <severity>     (one per expected rule; repeatable)
 *     # expect: none                     (a false-positive case: no finding)
 *     # path: <path>                     (path of the file the body becomes)
 *     # note: <free text>
 *     # run: <command>                   (a job run command scanned with the patch;
 *                                         repeatable, up to CORPUS_MAX_RUNS)
 * The body is either a unified diff (it starts with "diff " or "--- ") that
 * is scanned as is, or plain file content that is turned into a patch adding
 * a new file at `# path:` (default: the corpus file's own name). For the shell
 * analyzer, `# path: <job.run>` means "every body line is a run command"
 * (run[0], run[1], ...) and `# path: <job.test>` means "the whole body is the
 * test command" (a multi-line script). Both run through the analyzer core
 * here and through shell.so in the real plugin host (test_host.c).
 *
 * Ownership: corpus_case_t owns its buffers; corpus_case_free releases them.
 */
#ifndef AIRLOCK_TEST_CORPUS_H
#define AIRLOCK_TEST_CORPUS_H

#include <stddef.h>

#include "an_core.h"

#define CORPUS_MAX_EXPECT 16
#define CORPUS_MAX_RUNS 4

#define CORPUS_CMDS_RUN 1       /* `# path: <job.run>`: each body line one run command */
#define CORPUS_CMDS_TEST 2      /* `# path: <job.test>`: the body is the test command */

typedef struct {
    char rule[64];
    an_severity_t sev;
} corpus_expect_t;

typedef struct {
    char name[256];             /* file name inside the corpus folder */
    char path[512];             /* `# path:` or the name */
    corpus_expect_t expect[CORPUS_MAX_EXPECT];
    unsigned n_expect;
    int expect_none;
    int commands;               /* 0: a patch; CORPUS_CMDS_RUN / CORPUS_CMDS_TEST */
    char runs[CORPUS_MAX_RUNS][512]; /* `# run:` commands that go with the patch */
    unsigned n_runs;
    char *patch;                /* the diff to scan (owned) */
    size_t patch_len;
    char *body;                 /* body without header lines (owned) */
    size_t body_len;
} corpus_case_t;

/* Loads one corpus file. Returns 0 or -1 with a message in err. */
int corpus_case_load(const char *file, corpus_case_t *c, char *err, size_t err_size);
void corpus_case_free(corpus_case_t *c);

/* A git patch adding `path` with content body[0..len) (the way git writes
 * it, "\\ No newline at end of file" included). *patch is malloc'd. 0 or -1. */
int corpus_new_file_patch(const char *path, const char *body, size_t len, char **patch, size_t *patch_len);

/* The whole file, NUL-terminated (owned), its length in *len; NULL when it
 * cannot be read. */
char *corpus_read_file(const char *file, size_t *len);

/* Sorted list of regular files in dir (owned array of owned strings). */
int corpus_list(const char *dir, char ***names, size_t *n);
void corpus_list_free(char **names, size_t n);

#endif
