/*
 * bench_analyzer_history.c: the analyzers over real projects' own history -
 * every commit's patch, as a PR bot would submit it - to count how many
 * correct upstream changes a verdict would block. The labelled corpus
 * measures files; this measures patches, with their context and removed
 * lines, written by people who never saw our rules.
 *
 * Usage: bench_analyzer_history DIR [--log 1]
 *   DIR holds one patch per file (history.sh writes them with git
 *   format-patch from the corpus bundles). Per analyzer: patches with a
 *   finding >= high (blocking at the default block_at), >= medium, and with
 *   advisories only; --log 1 lists every finding >= medium with its patch.
 * Asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzers.h"
#include "corpus.h"

typedef struct {
    int worst;             /* the highest severity found, -1 none */
    const char *patch;
    int log;
} sweep_t;

static int on_finding(void *ud, const an_finding_t *f)
{
    sweep_t *s = ud;
    if ((int)f->severity > s->worst)
        s->worst = (int)f->severity;
    if (s->log && f->severity >= AN_SEV_MEDIUM)
        printf("  %-8s %s: %s %s at %s:%u: %.*s\n", an_severity_name(f->severity), s->patch, f->rule_id,
               f->message, f->file, f->line, (int)(f->evidence_len > 100 ? 100 : f->evidence_len),
               f->evidence ? f->evidence : "");
    return 0;
}

int main(int argc, char **argv)
{
    char **names = NULL;
    size_t n = 0;
    int log = argc >= 4 && !strcmp(argv[2], "--log") && atoi(argv[3]);
    if (argc < 2 || corpus_list(argv[1], &names, &n) != 0 || n == 0) {
        fprintf(stderr, "usage: %s DIR [--log 1] (DIR: one patch per file, see history.sh)\n", argv[0]);
        return 2;
    }
    printf("bench_analyzer_history: %zu patches from %s\n", n, argv[1]);
    printf("%-8s %12s %12s %12s %12s\n", "analyzer", "unparsed", ">= high", ">= medium", "advisory");
    for (size_t a = 0; a < analyzer_entries_count; a++) {
        unsigned high = 0, medium = 0, advisory = 0, unparsed = 0;
        for (size_t i = 0; i < n; i++) {
            char path[4096];
            size_t len = 0;
            sweep_t s = {-1, names[i], log};
            snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
            char *patch = corpus_read_file(path, &len);
            if (!patch || analyzer_run_patch(&analyzer_entries[a], patch, len, on_finding, &s) != 0)
                unparsed++;
            high += s.worst >= AN_SEV_HIGH;
            medium += s.worst >= AN_SEV_MEDIUM;
            advisory += s.worst >= 0 && s.worst < AN_SEV_MEDIUM;
            free(patch);
        }
        printf("%-8s %12u %6u %5.2f%% %6u %5.2f%% %12u\n", analyzer_entries[a].name, unparsed, high,
               100.0 * high / (double)n, medium, 100.0 * medium / (double)n, advisory);
    }
    corpus_list_free(names, n);
    return 0;
}
