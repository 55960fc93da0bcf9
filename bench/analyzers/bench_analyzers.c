/*
 * bench_analyzers.c: measured quality and speed of the built-in analyzers
 * over the labelled corpus (tests/unit/analyzers/labelled.h:
 * tests/corpus/labelled plus the hand-written corpora).
 *
 * Prints, per analyzer and per rule:
 *   recall      labels hit / labels (a positive's expected rule firing at
 *               its severity)
 *   fp          negative files with a finding >= medium / negative files
 *               (real Debian-packaged code and corpus-bundle files, plus the
 *               hand-written fp_ cases); advisories (info, low) apart
 *   MiB/s       throughput of the analyzer core on one core, thread CPU time,
 *               over the mixed corpus (every positive and negative patch,
 *               repeated until --mb MiB were analyzed), median/min/max of
 *               --runs runs. The patch model is built once beforehand (the
 *               host parses a patch once for all plugins); its cost, libgit2
 *               parsing, is printed as the `model` row.
 *
 * Usage: bench_analyzers [--mb N] [--runs N] [--only ANALYZER] [--log 1]
 * (--log 1 prints every miss and false positive.) Asserts nothing.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "an_input.h"
#include "labelled.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int count(void *ud, const an_finding_t *f)
{
    (void)f;
    (*(size_t *)ud)++;
    return 0;
}

/* Bytes of all patches of the corpus (commands cases: their text). */
static size_t corpus_bytes(const labelled_t *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n_pos; i++)
        n += l->pos[i].patch_len;
    for (size_t i = 0; i < l->n_neg; i++)
        n += l->neg[i].patch_len;
    return n;
}

/* One pass of analyzer a over the whole corpus. */
static void one_pass(const analyzer_entry_t *a, const labelled_t *l, size_t *findings)
{
    for (size_t i = 0; i < l->n_pos; i++)
        labelled_run(a, &l->pos[i], count, findings);
    for (size_t i = 0; i < l->n_neg; i++)
        labelled_run(a, &l->neg[i], count, findings);
}

static void speed(const analyzer_entry_t *a, const labelled_t *l, size_t target, int runs, double out[3])
{
    double mbs[64];
    size_t bytes = corpus_bytes(l), passes = (target + bytes - 1) / bytes;
    for (int r = 0; r < runs; r++) {
        size_t nf = 0;
        double t0 = now_s();
        for (size_t p = 0; p < passes; p++)
            one_pass(a, l, &nf);
        double dt = now_s() - t0;
        mbs[r] = (double)(bytes * passes) / (1024.0 * 1024.0) / (dt > 1e-9 ? dt : 1e-9);
    }
    qsort(mbs, (size_t)runs, sizeof mbs[0], cmp_double);
    out[0] = mbs[runs / 2];
    out[1] = mbs[0];
    out[2] = mbs[runs - 1];
}

/* The host's share: libgit2 parsing every patch of the corpus into its model. */
static double model_speed(const labelled_t *l)
{
    size_t bytes = 0;
    double t0 = now_s();
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < l->n_pos + l->n_neg; i++) {
            const labelled_case_t *c = i < l->n_pos ? &l->pos[i] : &l->neg[i - l->n_pos];
            const airlock_input_t *in = c->view ? plugin_view_input(c->view) : NULL;
            plugin_view_t *v = NULL;
            if (!in || !in->patch_len)
                continue;
            if (analyzer_view(&v, in->patch, in->patch_len) == 0)
                bytes += in->patch_len;
            plugin_view_destroy(&v);
        }
    double dt = now_s() - t0;
    return (double)bytes / (1024.0 * 1024.0) / (dt > 1e-9 ? dt : 1e-9);
}

static void print_rules(const analyzer_score_t *o)
{
    for (unsigned i = 0; i < o->n_rules; i++) {
        const rule_score_t *r = &o->rules[i];
        char rec[16] = "    -";
        if (r->labels)
            snprintf(rec, sizeof rec, "%.3f", (double)r->hits / r->labels);
        printf("    %-34s recall %s  (%u/%u)  fp files %u\n", r->rule, rec, r->hits, r->labels, r->neg_files);
    }
}

int main(int argc, char **argv)
{
    size_t mb = 64;
    int runs = 5, log = 0;
    const char *only = NULL;
    labelled_t l;
    char err[512];
    cpu_set_t one;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--mb"))
            mb = (size_t)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--runs"))
            runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--only"))
            only = argv[i + 1];
        else if (!strcmp(argv[i], "--log"))
            log = atoi(argv[i + 1]);
    }
    if (mb == 0 || mb > 4096 || runs < 1 || runs > 64) {
        fprintf(stderr, "usage: %s [--mb 1..4096] [--runs 1..64] [--only NAME] [--log 1]\n", argv[0]);
        return 2;
    }
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);
    if (labelled_load(&l, AIRLOCK_SOURCE_DIR, AIRLOCK_CORPUS_BUNDLES, err, sizeof err) != 0) {
        fprintf(stderr, "bench_analyzers: %s\n", err);
        return 1;
    }
    printf("bench_analyzers: %zu positives, %zu negatives (%zu of %zu pinned real files present), "
           "mixed corpus %.2f MiB\n",
           l.n_pos, l.n_neg, l.neg_pinned - l.neg_missing, l.neg_pinned, corpus_bytes(&l) / 1048576.0);
    printf("one core (CPU 0), %d runs of %zu MiB per analyzer, MiB/s of thread CPU time\n\n", runs, mb);
    printf("%-8s %8s %14s %18s %10s %9s %9s %9s\n", "analyzer", "recall", "labels", "fp (>= medium)",
           "advisory", "MiB/s", "min", "max");
    for (size_t a = 0; a < analyzer_entries_count; a++) {
        const analyzer_entry_t *e = &analyzer_entries[a];
        analyzer_score_t o;
        double s[3];
        char fp[32];
        if (only && strcmp(only, e->name) != 0)
            continue;
        labelled_score(&l, e, &o, log ? stdout : NULL);
        speed(e, &l, mb << 20, runs, s);
        snprintf(fp, sizeof fp, "%u/%u %.2f%%", o.neg_fired, o.neg_files,
                 o.neg_files ? 100.0 * o.neg_fired / o.neg_files : 0);
        printf("%-8s %8.3f %8u/%-5u %18s %10u %9.1f %9.1f %9.1f\n", e->name,
               o.labels ? (double)o.hits / o.labels : 0, o.hits, o.labels, fp, o.neg_advisory, s[0], s[1], s[2]);
        print_rules(&o);
    }
    printf("%-8s %8s %14s %18s %10s %9.1f   (libgit2 parse into the patch model, once per patch)\n", "model", "",
           "", "", "", model_speed(&l));
    labelled_free(&l);
    return 0;
}
