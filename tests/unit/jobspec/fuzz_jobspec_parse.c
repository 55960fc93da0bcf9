/*
 * fuzz_jobspec_parse.c: libFuzzer target for jobspec_parse (and, for what it
 * accepts, jobspec_to_json and the round trip). Built with AIRLOCK_FUZZ=ON
 * and clang; ctest runs a bounded number of inputs seeded by the corpus.
 */
#include "common/jobspec/jobspec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jobspec_t *j = NULL, *k = NULL;
    if (jobspec_parse((const char *)data, size, &j) != 0)
        return 0;
    char *a = jobspec_to_json(j);
    if (a && jobspec_parse(a, strlen(a), &k) != 0)
        abort(); /* canonical output must parse */
    char *b = k ? jobspec_to_json(k) : NULL;
    if (a && b && strcmp(a, b) != 0)
        abort(); /* and be a fixed point */
    free(a);
    free(b);
    jobspec_destroy(&k);
    jobspec_destroy(&j);
    return 0;
}
