/*
 * fuzz_remote_url.c: libFuzzer target for what a worker does with a job's
 * repository URL before fetching (worker/gitops/remote_config.c): the URL
 * parser and its canonical form, the prefix matching of credentials and the
 * allowlist, and the job-spec rule (common/jobspec) that admitted it. The
 * input is split at the first newline into a URL and a prefix. Invariants:
 * a URL the job spec admits and the parser accepts has a canonical form that
 * parses to itself; a prefix covers the URL it is a canonical prefix of.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/gitops/remote_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    char *nl = strchr(in, '\n');
    const char *prefix = "";
    if (nl) {
        *nl = '\0';
        prefix = nl + 1;
    }
    remote_url_t u, again, p;
    if (remote_url_parse(in, 0, &u) == 0) {
        if (remote_url_parse(u.canon, 0, &again) != 0 || strcmp(u.canon, again.canon) != 0)
            abort();   /* the canonical form is stable */
        if (!remote_prefix_covers(u.canon, u.canon))
            abort();   /* a URL covers itself */
        if (remote_url_parse(prefix, 1, &p) == 0)
            (void)remote_prefix_covers(p.canon, u.canon);
    }
    free(in);
    return 0;
}
