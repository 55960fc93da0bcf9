/*
 * ci_report.c: where the `ci` analyzer's findings go: straight to the
 * driver's emit callback, or, inside a YAML block defined under an anchor
 * (`x: &name |`), kept as the block's first finding until a script key
 * aliases it (`run: *name`). Owns ci_state_t's anchors[].
 */
#include "ci_internal.h"

#include <string.h>

#include "an_text.h"

/* Reports a finding, or inside an anchored block keeps the block's first one
 * for the alias that makes it a script (ci_anchor_replay). */
int ci_emit(ci_state_t *st, const char *rule, an_severity_t sev, unsigned line,
            const char *msg, const char *ev, size_t evn)
{
    ci_anchor_t *a;
    if (!st->deferring)
        return an_emit(st->emit, st->ud, rule, sev, st->file, line, msg, ev, evn);
    a = &st->anchors[st->n_anchors - 1];
    if (!a->rule) {
        a->rule = rule;
        a->msg = msg;
        a->sev = sev;
        a->line = line;
        a->evn = evn < sizeof a->ev ? evn : sizeof a->ev;
        memcpy(a->ev, ev, a->evn);
    }
    return 0;
}

/* `x-notify: &notify |`: the block is read like a script, its first finding
 * kept for a `run: *notify` (ci_anchor_replay); the last slot is reused when
 * the file has more anchors. */
void ci_anchor_open(ci_state_t *st, const char *name, size_t len)
{
    ci_anchor_t *a;
    if (len == 0 || len >= CI_NAME_MAX)
        return;
    if (st->n_anchors < CI_ANCHOR_MAX)
        st->n_anchors++;
    a = &st->anchors[st->n_anchors - 1];
    memset(a, 0, sizeof *a);
    memcpy(a->name, name, len);
    st->deferring = 1;
}

/* `run: *notify`: the aliased block's finding, now that it is a script. */
int ci_anchor_replay(ci_state_t *st, const char *name, size_t len)
{
    for (unsigned i = 0; i < st->n_anchors; i++) {
        const ci_anchor_t *a = &st->anchors[i];
        if (a->rule && strlen(a->name) == len && memcmp(a->name, name, len) == 0)
            return ci_emit(st, a->rule, a->sev, a->line, a->msg, a->ev, a->evn);
    }
    return 0;
}
