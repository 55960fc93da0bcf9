/*
 * secrets_internal.h: what secrets.c (the line scan, allow handling, the
 * visitor) shares with the checks it calls (secrets_checks.c: formats;
 * secrets_assign.c: secrets by their name; secrets_markers.c: allow markers)
 * and with reporting (secrets_report.c), joining (secrets_join.c) and
 * decoding (secrets_encoded.c).
 * Internal to plugins/secrets.
 */
#ifndef AIRLOCK_SECRETS_INTERNAL_H
#define AIRLOCK_SECRETS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "an_input.h"
#include "secrets_tables.h"

#define MAX_OPS 16
#define MAX_SPANS 8
#define MAX_PENDING 4
#define ALLOW_RULE_MAX 64
#define SEC_CARRY_MAX 120   /* bytes of a literal carried to the next line */

typedef struct {
    an_emit_fn emit;
    void *ud;
    unsigned akia_line;   /* last line of this file with an access key id */
    int akia_seen;
    int code_file;        /* source code: only quoted literals are values */
    int doc_file;         /* documentation (README.rst, *.md, changelog, PKG-INFO) */
    int binary;           /* scanning the strings of a binary post-image: line 0 */
    char allow_next[ALLOW_RULE_MAX]; /* "airlock:allow <rule>" alone on the previous line */
    size_t allow_next_len;
    unsigned allow_next_line;
    uint64_t line_rules;  /* bit r: rule r was reported on the current line */
    uint64_t encoded_hint; /* SECRETS_HINT_* and keyword bigrams the line's scan saw (secrets_encoded.c) */
    char carry[SEC_CARRY_MAX]; /* the previous added line's trailing literal (sec_join_tail) */
    unsigned carry_len, carry_line;
    int carry_open;       /* the carried literal is left open: the next line continues it */
    unsigned key_body_line; /* a key's body is expected on this line (sec_check_key_body); 0 = none */
    unsigned key_body_hdrs; /* header or blank lines skipped before that body (at most 4) */
    int ppk_file;         /* this file is a PuTTY private key file (PuTTY-User-Key-File-) */
} secrets_state_t;

typedef struct {
    unsigned rule;        /* enum secrets_rule_id */
    size_t at, len;
} pending_t;

/* One added line being scanned. */
typedef struct {
    secrets_state_t *st;
    const an_file_t *file;
    unsigned lineno;
    const char *s;
    size_t n;
    size_t spans[MAX_SPANS][2];  /* [start, end) of reported values */
    unsigned n_spans;
    size_t ops[MAX_OPS];         /* assignment operators, checked at the end */
    unsigned n_ops;
    size_t kw_pos[MAX_OPS];      /* secret-like keywords on the line */
    const char *kw[MAX_OPS];
    unsigned n_kw;
    size_t marker, marker_len;   /* another scanner's allow marker; 0 = none */
    int marker_general;          /* the marker is a general linter's (noqa, nosemgrep): counts on a line with a secret */
    const char *allow;           /* "airlock:allow": the rule it names (may be empty) */
    size_t allow_len;
    size_t allow_at;             /* where "airlock:allow" starts */
    int has_allow;
    pending_t pend[MAX_PENDING]; /* findings of allowable rules, settled at the end */
    unsigned n_pend;
    int found;                   /* a secret was reported on this line */
    const uint32_t *glue;        /* joined literals (secrets_join.c): where pieces meet */
    unsigned n_glue;             /* 0: the line as written */
} line_t;

/* secrets_report.c: reports rule `rule` for s[at, at+len): records the span, drops
 * published documentation examples, defers allowable rules to the end of the
 * line. Returns the emit callback's value. */
int sec_report(line_t *ln, unsigned rule, size_t at, size_t len);
int sec_overlaps_span(const line_t *ln, size_t a, size_t b);
/* secrets_report.c: records s[at, at+len) as seen (no other rule reports it)
 * without reporting it: a token-shaped placeholder. */
void sec_claim_span(line_t *ln, size_t at, size_t len);
/* secrets_report.c: emits one finding of `rule` over s[at, at+len). */
int sec_emit_rule(line_t *ln, unsigned rule, const char *msg, size_t at, size_t len, an_severity_t sev);

/* secrets_join.c: the line's string literals joined where the language joins
 * them; scan() gets the joined text (in overlapping pieces on a long line)
 * and the offsets where two pieces meet, only when there is one. Returns
 * scan()'s first nonzero value, else 0. */
#ifndef SEC_JOIN_MAX   /* smaller in the fuzz target, so its inputs reach the windows */
#define SEC_JOIN_MAX 8192
#define SEC_JOIN_KEEP 1024
#endif
#define SEC_JOIN_GLUES 32
typedef int (*sec_join_scan_fn)(void *ctx, const char *s, size_t n, const uint32_t *glue, unsigned n_glue);
int sec_join_literals(const char *s, size_t n, sec_join_scan_fn scan, void *ctx);
/* Across lines: a line that ends with a string literal (and a joining `+`,
 * `.`, `..` or `\`): the literal's content (*content, returned length), or
 * 0. A line that starts with one (after such an operator): the index after
 * its opening quote, or 0. */
size_t sec_join_tail(const char *s, size_t n, const char **content);
size_t sec_join_head(const char *s, size_t n);
/* A line that ends inside a double-quoted literal with a backslash (the
 * shell's and YAML's escaped line break: the next line continues the
 * literal): the literal's content so far (*content, returned length), or 0. */
size_t sec_join_open_tail(const char *s, size_t n, const char **content);

static inline int sec_is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Whether the literal lit is at s[i] of the line. */
static inline int sec_has_at(const line_t *ln, size_t i, const char *lit)
{
    size_t m = strlen(lit);
    return i + m <= ln->n && memcmp(ln->s + i, lit, m) == 0;
}

static inline int sec_printable(unsigned char c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\t';
}

/* The value of a hex digit, or -1 (escapes in secrets_join.c, hex values in
 * secrets_encoded.c). */
static inline int sec_hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* secrets_encoded.c: the line's encoded values (base64 last tokens and
 * character codes always; with the hints - SECRETS_HINT_* bigrams the line's
 * scan saw - hex, reversed literals, base64/base32 literals of a decode call,
 * rot13, separators taken out), each handed to scan() decoded (behind what
 * precedes it on the line). Returns scan()'s first nonzero value, else 0. */
typedef int (*sec_line_fn)(void *ctx, const char *s, size_t n);
int sec_scan_encoded(const char *s, size_t n, uint64_t hints, sec_line_fn scan, void *ctx);

/* secrets_checks.c */
int sec_check_group(line_t *ln, size_t i, unsigned group);  /* token formats of a trigger group */
int sec_check_key_body(line_t *ln);                         /* a key's body on its own line */
int sec_check_sas_signature(line_t *ln, size_t eq);         /* &sig= of an Azure SAS, at its '=' */
int sec_check_azure_storage_key(line_t *ln, size_t eq);     /* AZURE_STORAGE_KEY=, at its '=' */
/* secrets_assign.c */
int sec_note_keyword(line_t *ln, size_t i);                 /* a secret-like name at s[i] */
int sec_flush_ops(line_t *ln);                              /* keyword = value checks */
int sec_is_op(const line_t *ln, size_t i);
int sec_check_aws_secret_near(line_t *ln);
int sec_check_spaced_aws_secret(line_t *ln);                /* NAME <blanks> value */
/* secrets_markers.c */
void sec_check_marker(line_t *ln, size_t i);                /* allow markers at s[i] */

#endif
