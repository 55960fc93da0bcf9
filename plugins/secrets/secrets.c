/*
 * secrets.c: the `secrets` analyzer core (rules in secrets_rules.ini, listed
 * in secrets.h): the line scan, reporting with the documentation-example
 * allow-list and the inline allow convention, and the visitor over the
 * patch model (added lines, text and binary post-images). A line whose
 * string literals are joined by the language (secrets_join.c) is scanned
 * again joined, for tokens split across the pieces.
 *
 * One pass per added line: three generated 64-bit tables (secrets_tables.c)
 * give, for each byte with its neighbours, the set of trigger groups that can
 * start there (token prefixes by their first two bytes, '=' and ':',
 * secret-like keywords, allow markers); the block loop builds a mask of such
 * positions 64 bytes at a time without branches, and only those positions
 * are checked (secrets_checks.c, secrets_assign.c, secrets_markers.c; what
 * they find goes through secrets_report.c). Assignments are checked at the end of the
 * line, so a value already reported as a known format is not reported again
 * as generic. Owns nothing beyond its per-scan state (secrets_state_t).
 */
#include "secrets.h"

#include <stdint.h>
#include <string.h>

#include "an_text.h"
#include "secrets_internal.h"

_Static_assert(sizeof(secrets_state_t) <= AN_STATE_MAX, "secrets state must fit the driver's buffer");
_Static_assert(SECRETS_N_GROUPS <= SECRETS_OP_BIT, "trigger groups come first");

/* ---- the line scan ---------------------------------------------------------- */

static int candidate(line_t *ln, size_t i, uint64_t bits)
{
    int rc = 0;
    if (bits & (UINT64_C(1) << SECRETS_OP_BIT)) {
        if (ln->s[i] == ':')
            sec_check_marker(ln, i);
        if (ln->s[i] == '=' && i >= 4 && ln->s[i - 1] == 'g' && (rc = sec_check_sas_signature(ln, i)) != 0)
            return rc;
        if (ln->s[i] == '=' && i >= 17 && ln->s[i - 1] == 'Y' && (rc = sec_check_azure_storage_key(ln, i)) != 0)
            return rc;
        if ((ln->s[i] == '=' || ln->s[i] == ':') && ln->n_kw && sec_is_op(ln, i)) {
            if (ln->n_ops == MAX_OPS && (rc = sec_flush_ops(ln)) != 0)
                return rc;
            ln->ops[ln->n_ops++] = i;
        }
    }
    if (bits & SECRETS_MARKER_MASK)
        sec_check_marker(ln, i);
    ln->st->encoded_hint |= bits & (SECRETS_HINT_MASK | SECRETS_KEYWORD_MASK);
    if (bits & SECRETS_KEYWORD_MASK)
        rc = sec_note_keyword(ln, i);
    for (uint64_t g = bits & ((UINT64_C(1) << SECRETS_N_GROUPS) - 1); g && rc == 0; g &= g - 1)
        rc = sec_check_group(ln, i, (unsigned)__builtin_ctzll(g));
    return rc;
}

static uint64_t bits_at(const unsigned char *u, size_t i, size_t n)
{
    uint64_t b = secrets_first[u[i]] & secrets_second[i + 1 < n ? u[i + 1] : 0];
    return i == 0 ? b : b & secrets_after[u[i - 1]];
}

/* Candidate positions of s[base, end) as a bit mask, without branches. */
static uint64_t block_mask(const unsigned char *u, size_t base, size_t end, size_t n)
{
    uint64_t m = 0;
    size_t i = base, last = end < n ? end : n - 1;
    if (i == 0 && i < last) {
        m = (secrets_first[u[0]] & secrets_second[u[1]]) != 0;
        i = 1;
    }
    for (; i < last; i++)
        m |= (uint64_t)((secrets_first[u[i]] & secrets_second[u[i + 1]] & secrets_after[u[i - 1]]) != 0)
             << (i - base);
    if (end == n && n > 0) /* the last byte of the line: no next byte */
        m |= (uint64_t)(bits_at(u, n - 1, n) != 0) << (n - 1 - base);
    return m;
}

static int rule_named(const char *name, size_t n, unsigned rule)
{
    return strlen(secrets_rules[rule].id) == n && memcmp(secrets_rules[rule].id, name, n) == 0;
}

/* Whether "airlock:allow <rule>" on this line or alone on the previous one
 * names this (allowable) rule. */
static int inline_allowed(const line_t *ln, unsigned rule)
{
    if (ln->has_allow && rule_named(ln->allow, ln->allow_len, rule))
        return 1;
    return ln->st->allow_next_len && ln->st->allow_next_line == ln->lineno &&
           rule_named(ln->st->allow_next, ln->st->allow_next_len, rule);
}

/* The end of a line: allowable findings, then markers. */
static int settle(line_t *ln)
{
    int rc = 0, ours = 0;
    for (unsigned k = 0; rc == 0 && k < ln->n_pend; k++) {
        const pending_t *p = &ln->pend[k];
        if (inline_allowed(ln, p->rule)) {
            ours = 1;
            rc = sec_emit_rule(ln, SR_ALLOWED, secrets_rules[p->rule].id, p->at, p->len,
                           secrets_rules[SR_ALLOWED].severity);
        } else {
            ln->found = 1;
            rc = sec_emit_rule(ln, p->rule, secrets_rules[p->rule].message, p->at, p->len,
                           secrets_rules[p->rule].severity);
        }
    }
    if (rc == 0 && ln->has_allow && !ours) {
        int named = 0;
        for (unsigned r = 0; r < SR_COUNT && !named; r++)
            named = secrets_rules[r].allowable && rule_named(ln->allow, ln->allow_len, r);
        if (named && !ln->found && ln->allow_len < sizeof ln->st->allow_next) {
            /* our convention on a line of its own: it speaks for the next line */
            memcpy(ln->st->allow_next, ln->allow, ln->allow_len);
            ln->st->allow_next_len = ln->allow_len;
            ln->st->allow_next_line = ln->lineno + 1;
        } else if (!named || ln->found) {
            /* no allowable rule named, or a secret it cannot allow */
            ln->marker = ln->allow_at;
            ln->marker_len = 13; /* "airlock:allow" */
            ln->marker_general = 0;
        }
    }
    if (rc == 0 && ln->marker_len && (ln->found || !ln->marker_general))
        rc = sec_emit_rule(ln, SR_ALLOW_MARKER, secrets_rules[SR_ALLOW_MARKER].message, ln->marker,
                       ln->marker_len, ln->found ? AN_SEV_HIGH : secrets_rules[SR_ALLOW_MARKER].severity);
    return rc;
}

static int scan_glued(secrets_state_t *st, const an_file_t *f, unsigned lineno, const char *s, size_t n,
                      const uint32_t *glue, unsigned n_glue)
{
    line_t ln; /* not zeroed as a whole: it is set up per line, on the hot path */
    const unsigned char *u = (const unsigned char *)s;
    int rc = 0;
    ln.st = st;
    ln.file = f;
    ln.lineno = lineno;
    ln.s = s;
    ln.n = n;
    ln.n_spans = ln.n_ops = ln.n_kw = ln.n_pend = 0;
    ln.marker = ln.marker_len = 0;
    ln.marker_general = 0;
    ln.has_allow = ln.found = 0;
    ln.glue = glue;
    ln.n_glue = n_glue;
    for (size_t base = 0; rc == 0 && base < n; base += 64) {
        uint64_t m = block_mask(u, base, n - base < 64 ? n : base + 64, n);
        while (m && rc == 0) {
            size_t i = base + (size_t)__builtin_ctzll(m);
            rc = candidate(&ln, i, bits_at(u, i, n));
            m &= m - 1;
        }
    }
    rc = rc ? rc : sec_flush_ops(&ln);
    if (rc == 0)
        rc = sec_check_aws_secret_near(&ln);
    if (rc == 0 && ln.n_kw)
        rc = sec_check_spaced_aws_secret(&ln);
    if (rc == 0 && (st->key_body_line == lineno || (n > 0 && (st->ppk_file || s[0] == 'P'))))
        rc = sec_check_key_body(&ln);   /* the common line: none of these, no call */
    if (rc == 0 && (ln.n_pend || ln.marker_len || ln.has_allow))
        rc = settle(&ln);
    return rc;
}

static int scan_line(secrets_state_t *st, const an_file_t *f, unsigned lineno, const char *s, size_t n)
{
    return scan_glued(st, f, lineno, s, n, NULL, 0);
}

/* ---- binary post-images ----------------------------------------------------- */

/* UTF-16LE text ("k\0e\0y\0") at one alignment: printable ASCII code units,
 * scanned as lines of at most 4096 characters (consecutive chunks overlap by
 * 256, so a token across a chunk border is seen whole). */
static int utf16_runs(secrets_state_t *st, const an_file_t *f, const unsigned char *d, size_t n, size_t align,
                      unsigned *no)
{
    char buf[4096];
    size_t k = 0;
    int rc = 0;
    for (size_t i = align; rc == 0 && i + 1 < n; i += 2) {
        int ch = sec_printable(d[i]) && d[i + 1] == 0;
        if (ch)
            buf[k++] = (char)d[i];
        if (k == sizeof buf) {
            rc = scan_line(st, f, ++*no, buf, k);
            memmove(buf, buf + k - 256, 256);
            k = 256;
        } else if (!ch) {
            if (k >= 8)
                rc = scan_line(st, f, ++*no, buf, k);
            k = 0;
        }
    }
    if (rc == 0 && k >= 8)
        rc = scan_line(st, f, ++*no, buf, k);
    return rc;
}

/* The strings of a binary (runs of at least 8 printable bytes, and UTF-16LE
 * text), each scanned as a line; findings name line 0 (the whole file). */
static int secrets_on_binary(void *ud, const an_file_t *f, const char *data, size_t len)
{
    secrets_state_t *st = ud;
    const unsigned char *d = (const unsigned char *)data;
    unsigned no = 0;
    int rc = 0;
    st->binary = 1;
    for (size_t i = 0; rc == 0 && i < len;) {
        size_t k = 0;
        while (i + k < len && sec_printable(d[i + k]))
            k++;
        if (k >= 8)
            rc = scan_line(st, f, ++no, data + i, k);
        i += k ? k : 1;
    }
    for (size_t align = 0; rc == 0 && align < 2; align++)
        rc = utf16_runs(st, f, d, len, align, &no);
    st->binary = 0;
    return rc;
}

/* ---- visitor ---------------------------------------------------------- */

static const char *const s_allowlist_files[] = {
    ".gitleaksignore", ".gitleaks.toml", "gitleaks.toml", ".secretsignore",
    ".airlockignore", ".secrets.baseline", ".trufflehogignore", ".gitguardian.yml",
    ".gitguardian.yaml", ".talismanrc", ".secretlintignore", ".detect-secrets.cfg",
    ".trivyignore", ".trivyignore.yaml",
};

static void secrets_begin(void *state, an_emit_fn emit, void *ud)
{
    secrets_state_t *st = state;
    memset(st, 0, sizeof *st);
    st->emit = emit;
    st->ud = ud;
}

static int is_code_ext(const char *ext)
{
    static const char *const code[] = {"py", "js", "ts", "jsx", "tsx", "mjs", "go", "rb",
                                       "java", "c", "h", "cc", "cpp", "hpp", "cs", "php",
                                       "kt", "rs", "swift", "scala", "m", "mm"};
    return AN_STR_IN(ext, code);
}

/* Documentation that shows a library's output: README.rst, *.md, a
 * changelog, a package's PKG-INFO or METADATA (its README). */
static int is_doc_file(const char *base, const char *ext)
{
    static const char *const doc_ext[] = {"rst", "md", "markdown", "adoc"};
    static const char *const doc_base[] = {"PKG-INFO", "METADATA", "changelog", "CHANGELOG", "NEWS"};
    return AN_STR_IN(ext, doc_ext) || AN_STR_IN(base, doc_base);
}

static int secrets_on_file(void *ud, const an_file_t *f)
{
    secrets_state_t *st = ud;
    const char *base = an_path_base(f->new_path);
    st->akia_seen = 0;
    st->akia_line = 0;
    st->allow_next_len = 0;
    st->carry_len = 0;
    st->carry_open = 0;
    st->key_body_line = 0;
    st->ppk_file = 0;
    st->code_file = is_code_ext(an_path_ext(f->new_path));
    st->doc_file = is_doc_file(base, an_path_ext(f->new_path));
    if (f->flags & AN_FILE_DELETED)
        return 0;
    if (AN_STR_IN(base, s_allowlist_files))
        return an_emit(st->emit, st->ud, secrets_rules[SR_ALLOWLIST_FILE].id,
                       secrets_rules[SR_ALLOWLIST_FILE].severity, f->new_path, 0,
                       secrets_rules[SR_ALLOWLIST_FILE].message, base, strlen(base));
    return 0;
}

/* ---- a token split into joined literals ---------------------------------------- */

typedef struct {
    secrets_state_t *st;
    const an_file_t *f;
    unsigned lineno;
} line_ctx_t;

static int scan_joined(void *ctx, const char *s, size_t n, const uint32_t *glue, unsigned n_glue)
{
    const line_ctx_t *c = ctx;
    return scan_glued(c->st, c->f, c->lineno, s, n, glue, n_glue);
}

static int scan_decoded(void *ctx, const char *s, size_t n)
{
    const line_ctx_t *c = ctx;
    return scan_line(c->st, c->f, c->lineno, s, n);
}

/* Where the next line continues the carried literal: after its indentation
 * when the literal was left open (YAML folds the indentation away; in shell
 * a token split this way reads the same), else after the operator and the
 * opening quote of a literal that starts it. Returns 0 when it does not. */
static int continued_at(const secrets_state_t *st, const char *s, size_t n, size_t *head)
{
    if (st->carry_open) {
        *head = an_skip_space(s, n, 0);
        return *head < n;
    }
    *head = sec_join_head(s, n);
    return *head != 0;
}

/* A literal that ends one added line and one that starts the next are joined
 * (`("ghp_…"` / `"…")`, `"AKIA…" +` / `"…"`, `"ghp_…\` / `…"`): the pair is
 * scanned as one line, keeping only what runs across the join. */
static int join_lines(secrets_state_t *st, const an_file_t *f, unsigned lineno, const char *s, size_t n)
{
    char buf[SEC_CARRY_MAX + 512];
    const char *tail;
    size_t head, tl;
    int rc = 0;
    if (st->carry_len && st->carry_line + 1 == lineno && continued_at(st, s, n, &head)) {
        size_t rest = n - head < sizeof buf - st->carry_len - 1 ? n - head : sizeof buf - st->carry_len - 1;
        uint32_t glue = st->carry_len + 1;
        buf[0] = '"';
        memcpy(buf + 1, st->carry, st->carry_len);
        memcpy(buf + 1 + st->carry_len, s + head, rest);
        rc = scan_glued(st, f, lineno, buf, 1 + st->carry_len + rest, &glue, 1);
    }
    st->carry_len = 0;
    st->carry_open = 0;
    if ((tl = sec_join_tail(s, n, &tail)) == 0 && n > 0 && s[n - 1] == '\\' &&
        (tl = sec_join_open_tail(s, n, &tail)) != 0)
        st->carry_open = 1;
    if (tl != 0) {
        if (tl > SEC_CARRY_MAX)   /* the literal's end is what a token split here starts with */
            tail += tl - SEC_CARRY_MAX, tl = SEC_CARRY_MAX;
        memcpy(st->carry, tail, tl);
        st->carry_len = (unsigned)tl;
        st->carry_line = lineno;
    }
    return rc;
}

static int secrets_on_line(void *ud, const an_file_t *f, an_line_kind_t kind, unsigned lineno,
                           const char *text, size_t len)
{
    secrets_state_t *st = ud;
    if (kind != AN_LINE_ADDED)
        return 0;
    st->line_rules = 0;
    st->encoded_hint = 0;
    line_ctx_t jc = { st, f, lineno };
    int rc = scan_line(st, f, lineno, text, len);
    rc = rc ? rc : sec_scan_encoded(text, len, st->encoded_hint, scan_decoded, &jc);
    rc = rc ? rc : sec_join_literals(text, len, scan_joined, &jc);
    return rc ? rc : join_lines(st, f, lineno, text, len);
}

static const an_patch_visitor_t s_visitor = {
    .on_file = secrets_on_file,
    .on_line = secrets_on_line,
    .on_binary = secrets_on_binary,
};

const an_analyzer_t secrets_analyzer = {
    .name = "secrets",
    .version = "2.0.0",
    .state_size = sizeof(secrets_state_t),
    .begin = secrets_begin,
    .visitor = &s_visitor,
};
