/*
 * bench_analyzers.c: throughput of the built-in analyzer cores.
 *
 * Inputs, each scaled to --mb MiB (default 64) by repetition:
 *   corpus   every file of tests/corpus/<analyzer>/ as a patch (hit-dense:
 *            a worst case, almost every line holds something to report)
 *   source   real files as "new file" patches: C headers (/usr/include),
 *            Python (/usr/lib/python3*), shell scripts and Makefiles found
 *            under /usr/share and /usr/lib (what a code patch looks like)
 *   python   only the .py files of `source`
 *   shell    only the shell scripts / Makefiles of `source`
 * Every analyzer runs over every input --runs times (default 7) on the
 * calling thread (pinned to one CPU); the median, min and max MB/s are
 * printed with the findings count of one run. Nothing is asserted.
 *
 * Usage: bench_analyzers [--mb N] [--runs N] [--only ANALYZER] [--input NAME] [--dump 1]
 * (--dump 1 prints every finding, for looking at false positives.)
 */
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analyzers.h"
#include "corpus.h"

typedef struct {
    char *buf;
    size_t len, cap;
} sbuf_t;

static int sb_add(sbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1 << 20;
        char *nb;
        while (nc < b->len + n + 1)
            nc *= 2;
        if (!(nb = realloc(b->buf, nc)))
            return -1;
        b->buf = nb;
        b->cap = nc;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return 0;
}

/* Appends `content` as a patch adding `path`. */
static int sb_add_file(sbuf_t *b, const char *path, const char *content, size_t n)
{
    char hdr[4096];
    size_t lines = 0;
    int h;
    for (size_t i = 0; i < n; i++)
        lines += content[i] == '\n';
    h = snprintf(hdr, sizeof hdr, "diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n"
                 "+++ b/%s\n@@ -0,0 +1,%zu @@\n", path, path, path, lines + 1);
    if (h < 0 || (size_t)h >= sizeof hdr || sb_add(b, hdr, (size_t)h) != 0)
        return -1;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(content + i, '\n', n - i);
        size_t k = nl ? (size_t)(nl - content) - i : n - i;
        if (sb_add(b, "+", 1) != 0 || sb_add(b, content + i, k) != 0 || sb_add(b, "\n", 1) != 0)
            return -1;
        i += k + 1;
    }
    return 0;
}

/* ---- inputs --------------------------------------------------------------- */

static sbuf_t s_source, s_python, s_shell;
static size_t s_limit;

static int is_shellish(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strlen(path);
    return (n > 3 && strcmp(path + n - 3, ".sh") == 0) || strcmp(base, "Makefile") == 0 ||
           (n > 3 && strcmp(path + n - 3, ".mk") == 0);
}

static int visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    size_t n = strlen(path);
    int py = n > 3 && strcmp(path + n - 3, ".py") == 0;
    int sh = is_shellish(path), hdr = n > 2 && strcmp(path + n - 2, ".h") == 0;
    FILE *fp;
    char *data;
    size_t got;
    (void)ftw;
    if (type != FTW_F || !S_ISREG(sb->st_mode) || sb->st_size <= 0 || sb->st_size > (1 << 20) ||
        !(py || sh || hdr) || (s_source.len >= s_limit && s_shell.len >= s_limit / 4))
        return 0;
    if (!(fp = fopen(path, "rb")))
        return 0;
    data = malloc((size_t)sb->st_size);
    got = data ? fread(data, 1, (size_t)sb->st_size, fp) : 0;
    fclose(fp);
    if (got > 0 && !memchr(data, '\0', got)) {
        const char *rel = path + 1;
        if (s_source.len < s_limit)
            sb_add_file(&s_source, rel, data, got);
        if (py && s_python.len < s_limit)
            sb_add_file(&s_python, rel, data, got);
        if (sh && s_shell.len < s_limit)
            sb_add_file(&s_shell, rel, data, got);
    }
    free(data);
    return 0;
}

static int load_corpus(sbuf_t *b)
{
    char dir[1024], file[1536], err[256];
    for (size_t a = 0; a < analyzer_entries_count; a++) {
        char **names = NULL;
        size_t n = 0;
        snprintf(dir, sizeof dir, "%s/tests/corpus/%s", AIRLOCK_SOURCE_DIR, analyzer_entries[a].name);
        if (corpus_list(dir, &names, &n) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            corpus_case_t c;
            snprintf(file, sizeof file, "%s/%s", dir, names[i]);
            if (corpus_case_load(file, &c, err, sizeof err) != 0)
                continue;
            if (!c.commands)
                sb_add(b, c.patch, c.patch_len);
            corpus_case_free(&c);
        }
        corpus_list_free(names, n);
    }
    return 0;
}

/* Repeats b's content until it holds at least `size` bytes (cut at a patch). */
static int scale(sbuf_t *b, size_t size)
{
    size_t unit = b->len, total;
    char *nb;
    if (unit == 0)
        return -1;
    total = ((size + unit - 1) / unit) * unit;
    if (!(nb = realloc(b->buf, total + 1)))
        return -1;
    b->buf = nb;
    b->cap = total + 1;
    for (size_t off = unit; off < total; off += unit)
        memcpy(b->buf + off, b->buf, unit);
    b->len = total;
    b->buf[total] = '\0';
    return 0;
}

/* ---- measurement ------------------------------------------------------------ */

static int s_dump;

static int count_finding(void *ud, const an_finding_t *f)
{
    (*(size_t *)ud)++;
    if (s_dump)
        printf("  %s:%u %s %s [%.*s]\n", f->file, f->line, f->rule_id,
               an_severity_name(f->severity), (int)(f->evidence_len > 80 ? 80 : f->evidence_len),
               f->evidence ? f->evidence : "");
    return 0;
}

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

static void bench_one(const analyzer_entry_t *a, const char *input, const sbuf_t *b, int runs)
{
    double mbs[64];
    size_t findings = 0;
    for (int r = 0; r < runs; r++) {
        size_t nf = 0;
        double t0 = now_s(), dt;
        analyzer_run_patch(a, b->buf, b->len, count_finding, &nf);
        dt = now_s() - t0;
        mbs[r] = (double)b->len / (1024.0 * 1024.0) / (dt > 1e-9 ? dt : 1e-9);
        findings = nf;
    }
    qsort(mbs, (size_t)runs, sizeof mbs[0], cmp_double);
    printf("%-8s %-7s %8.1f MiB %9.1f %9.1f %9.1f %10zu\n", a->name, input,
           (double)b->len / (1024.0 * 1024.0), mbs[runs / 2], mbs[0], mbs[runs - 1], findings);
}

int main(int argc, char **argv)
{
    size_t mb = 64;
    int runs = 7;
    const char *only = NULL, *only_input = NULL;
    sbuf_t corpus = {0};
    cpu_set_t one;
    struct { const char *name; sbuf_t *b; } inputs[] = {
        {"corpus", &corpus}, {"source", &s_source}, {"python", &s_python}, {"shell", &s_shell},
    };
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--mb") == 0)
            mb = (size_t)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
        else if (strcmp(argv[i], "--input") == 0)
            only_input = argv[i + 1];
        else if (strcmp(argv[i], "--dump") == 0)
            s_dump = atoi(argv[i + 1]);
    }
    if (mb == 0 || mb > 4096 || runs < 1 || runs > 64) {
        fprintf(stderr, "usage: %s [--mb 1..4096] [--runs 1..64]\n", argv[0]);
        return 2;
    }
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);
    s_limit = mb << 20;
    if (load_corpus(&corpus) != 0 || scale(&corpus, s_limit) != 0) {
        fprintf(stderr, "bench_analyzers: cannot read the corpus under %s/tests/corpus\n",
                AIRLOCK_SOURCE_DIR);
        return 1;
    }
    nftw("/usr/include", visit, 32, FTW_PHYS);
    nftw("/usr/lib/python3", visit, 32, FTW_PHYS);
    nftw("/usr/lib/python3.11", visit, 32, FTW_PHYS);
    nftw("/usr/share", visit, 32, FTW_PHYS);
    nftw("/usr/lib", visit, 32, FTW_PHYS);
    printf("bench_analyzers: one core, %d runs per cell, MiB/s of thread CPU time (median, min, max)\n", runs);
    printf("%-8s %-7s %12s %9s %9s %9s %10s\n", "analyzer", "input", "size", "median", "min",
           "max", "findings");
    for (size_t a = 0; a < analyzer_entries_count; a++)
        for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
            if ((only && strcmp(only, analyzer_entries[a].name) != 0) ||
                (only_input && strcmp(only_input, inputs[i].name) != 0) ||
                inputs[i].b->len == 0 || scale(inputs[i].b, s_limit) != 0)
                continue;
            bench_one(&analyzer_entries[a], inputs[i].name, inputs[i].b, runs);
        }
    free(corpus.buf);
    free(s_source.buf);
    free(s_python.buf);
    free(s_shell.buf);
    return 0;
}
