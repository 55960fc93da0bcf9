/*
 * ci_internal.h: what the files of the `ci` analyzer core share: the per-scan
 * state (ci_state_t), its limits, and the functions one file calls in
 * another. Internal to plugins/ci.
 *
 * The calls go one way (no file calls back into one that calls it):
 *   ci.c (YAML reader, visitor) -> ci_script.c, ci_rules.c, ci_expr.c, ci_secret.c, ci_report.c
 *   ci_script.c (script rules)  -> ci_expr.c, ci_secret.c, ci_report.c, the shell analyzer
 *   ci_rules.c, ci_secret.c     -> ci_report.c
 *   ci_expr.c                   -> no other file of plugins/ci (it reports nothing)
 *   ci_report.c                 -> an_emit (the driver's callback)
 */
#ifndef AIRLOCK_CI_INTERNAL_H
#define AIRLOCK_CI_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include "an_core.h"
#include "shell.h"

#define CI_FOLD_MAX 4096
#define CI_TAINT_MAX 16     /* names set from event text, per file */
#define CI_NAME_MAX 64
#define CI_ANCHOR_MAX 4     /* anchored blocks whose findings wait for a `run: *alias` */
#define CI_SECRET_VARS 8    /* env names set from ${{ secrets.* }} */
#define CI_ENCODED_MAX 4    /* `echo "$T" | base64` lines waiting for T's env: entry */
#define CI_EVIDENCE_MAX 96
#define CI_PATH_MAX 128

/* Which CI system's syntax the file is written in (ci_kind_of). */
typedef enum { CI_NONE, CI_ACTIONS, CI_GITLAB, CI_CIRCLECI, CI_AZURE, CI_JENKINS } ci_kind_t;

/* The first finding of a YAML block defined under an anchor (`x: &name |`):
 * it is a script only if a script key later aliases it (`run: *name`). */
typedef struct {
    char name[CI_NAME_MAX];
    const char *rule, *msg;
    an_severity_t sev;
    unsigned line;
    char ev[CI_EVIDENCE_MAX];
    size_t evn;
} ci_anchor_t;

typedef struct {
    an_emit_fn emit;
    void *ud;
    const char *file;
    int active, jenkins;
    ci_kind_t kind;
    int in_block;             /* inside a multi-line script value */
    size_t block_indent;      /* indent of the key that opened it */
    unsigned prt_line;        /* pull_request_target seen (line), 0 none */
    int prt_added;
    unsigned head_line;       /* checkout of the PR head seen (line) */
    int head_added;
    const char *priv_trigger; /* issue_comment / workflow_run: also run with the base's secrets */
    unsigned priv_line;
    int priv_added;
    int secrets_seen;         /* the file references secrets.* */
    unsigned remote_line;     /* GitLab `remote:` include waiting for a sibling `integrity:` */
    size_t remote_col;
    char remote_ev[CI_EVIDENCE_MAX];
    size_t remote_evn;
    char tainted[CI_TAINT_MAX][CI_NAME_MAX]; /* contexts holding event text: env.TITLE, steps.meta.outputs.title */
    unsigned n_tainted;
    char step_id[CI_NAME_MAX]; /* `id:` of the current step */
    char secret_vars[CI_SECRET_VARS][CI_NAME_MAX];
    unsigned n_secret_vars;
    struct {                   /* a variable printed through an encoder; a secret once env: says so */
        char name[CI_NAME_MAX];
        unsigned line;
    } encoded[CI_ENCODED_MAX];
    unsigned n_encoded;
    ci_anchor_t anchors[CI_ANCHOR_MAX];
    unsigned n_anchors;
    int deferring;            /* inside an anchored block: findings go to anchors[n_anchors - 1] */
    unsigned line;            /* current line, for the shell adapter */
    sh_staged_t staged;       /* files the file's scripts downloaded or decoded (shell_staged.h) */
    int folded;               /* the block is a folded scalar (`run: >`): its lines are one line */
    char fold[CI_FOLD_MAX];   /* a folded block's added lines, joined by spaces */
    size_t fold_len;
    unsigned fold_line;       /* its first line */
} ci_state_t;
_Static_assert(sizeof(ci_state_t) <= AN_STATE_MAX, "ci state must fit the driver's buffer");

static inline int ends_with(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(s + n - m, lit, m) == 0;
}

static inline int key_is(const char *k, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(k, lit, n) == 0;
}

/* ci_report.c: where findings go. Reports a finding, or inside an anchored
 * block keeps the block's first one for the alias that makes it a script. */
int ci_emit(ci_state_t *st, const char *rule, an_severity_t sev, unsigned line,
            const char *msg, const char *ev, size_t evn);
/* `x-notify: &notify |`: findings of the block that follows wait for an alias. */
void ci_anchor_open(ci_state_t *st, const char *name, size_t len);
/* `run: *notify`: the aliased block's finding, now that it is a script. */
int ci_anchor_replay(ci_state_t *st, const char *name, size_t len);

/* ci_expr.c: ${{ … }} expressions and the contexts that carry event text. */
int ci_expr_at(const char *s, size_t n, size_t i, size_t *es, size_t *en);
int ci_injectable(const ci_state_t *st, const char *e, size_t n);
size_t ci_template_injection(const ci_state_t *st, const char *s, size_t n, size_t *len);
void ci_output_record(ci_state_t *st, const char *s, size_t n);
void ci_taint_record(ci_state_t *st, const char *key, size_t kl, const char *v, size_t vn);

/* ci_secret.c: secrets that reach the log (ci.secret_echo). */
int ci_secret_printed(const char *s, size_t n, size_t at, size_t end);
int ci_encoded_var_check(ci_state_t *st, unsigned line, const char *s, size_t n);
int ci_secret_var_record(ci_state_t *st, const char *key, size_t kl, const char *v, size_t vn);

/* ci_script.c: the rules over script text. */
int ci_script_line(ci_state_t *st, unsigned line, const char *s, size_t n);
int ci_fold_flush(ci_state_t *st);

/* ci_rules.c: the line-level rules (pinning, includes, triggers and checkouts). */
int ci_check_uses(ci_state_t *st, unsigned line, const char *s, size_t n);
int ci_check_include(ci_state_t *st, unsigned line, const char *key, size_t kl, size_t col,
                     const char *v, size_t vn);
void ci_track_prt(ci_state_t *st, int added, unsigned line, const char *s, size_t n);
int ci_remote_flush(ci_state_t *st);
int ci_remote_line_ends(ci_state_t *st, const char *s, size_t n, size_t ind);
int ci_report_head_checkout(ci_state_t *st);

#endif
