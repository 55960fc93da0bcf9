/*
 * secrets_report.c: how the secrets analyzer reports a match: the spans
 * already reported on the line (so a value is not reported twice), on a
 * line of joined literals only what spans a join (secrets_join.c), the
 * documentation examples of secrets_rules.ini [allow], the pending list of
 * rules the inline allow convention may still excuse, and the emit call.
 * A leaf below the line scan (secrets.c) and the checks (secrets_checks.c,
 * secrets_assign.c); owns nothing.
 */
#include <string.h>

#include "an_text.h"
#include "secrets_internal.h"

/* Whether s[at, at+len) runs across a place where joined literals meet. */
static int spans_glue(const line_t *ln, size_t at, size_t len)
{
    for (unsigned g = 0; g < ln->n_glue; g++)
        if (at < ln->glue[g] && ln->glue[g] < at + len)
            return 1;
    return 0;
}

int sec_emit_rule(line_t *ln, unsigned rule, const char *msg, size_t at, size_t len, an_severity_t sev)
{
    uint64_t bit = UINT64_C(1) << rule;
    /* joined literals: only what the join made, and no rule twice on a line */
    if (ln->n_glue && (!spans_glue(ln, at, len) || (ln->st->line_rules & bit)))
        return 0;
    ln->st->line_rules |= bit;
    return an_emit(ln->st->emit, ln->st->ud, secrets_rules[rule].id, sev, an_file_path(ln->file),
                   ln->st->binary ? 0 : ln->lineno, msg, ln->s + at, len);
}

/* A published documentation example (secrets_rules.ini [allow]). */
static int allowed_value(unsigned rule, const char *v, size_t n)
{
    for (const char *const *a = secrets_allow_values; *a; a++)
        if (strlen(*a) == n && memcmp(*a, v, n) == 0)
            return 1;
    for (const secrets_allow_suffix_t *s = secrets_allow_suffixes; s->suffix; s++) {
        size_t m = strlen(s->suffix);
        if (s->rule == rule && n > m && memcmp(v + n - m, s->suffix, m) == 0)
            return 1;
    }
    return 0;
}

int sec_overlaps_span(const line_t *ln, size_t a, size_t b)
{
    for (unsigned k = 0; k < ln->n_spans; k++)
        if (a < ln->spans[k][1] && ln->spans[k][0] < b)
            return 1;
    return 0;
}

void sec_claim_span(line_t *ln, size_t at, size_t len)
{
    if (ln->n_spans < MAX_SPANS) {
        ln->spans[ln->n_spans][0] = at;
        ln->spans[ln->n_spans][1] = at + len;
        ln->n_spans++;
    }
}

int sec_report(line_t *ln, unsigned rule, size_t at, size_t len)
{
    sec_claim_span(ln, at, len);
    if (allowed_value(rule, ln->s + at, len))
        return 0;
    if (secrets_rules[rule].allowable && ln->n_pend < MAX_PENDING) {
        ln->pend[ln->n_pend++] = (pending_t){ rule, at, len };
        return 0;
    }
    ln->found = 1;
    return sec_emit_rule(ln, rule, secrets_rules[rule].message, at, len, secrets_rules[rule].severity);
}
