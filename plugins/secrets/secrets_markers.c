/*
 * secrets_markers.c: the allow markers of other tools a line may carry
 * (bandit's nosec, semgrep's nosemgrep, ruff's noqa: S105-S107,
 * gitleaks:allow, trufflehog:ignore, pragma: allowlist secret, ...) and our
 * own `airlock:allow <rule>`, noted on the line being scanned at the
 * candidate positions the line scan (secrets.c) finds them; secrets.c
 * settles them at the end of the line.
 */
#include "secrets_internal.h"

#include <string.h>

#include "an_text.h"

static int rule_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int word_at(const line_t *ln, size_t i, const char *lit)
{
    size_t m = strlen(lit);
    return sec_has_at(ln, i, lit) && (i + m >= ln->n || !sec_is_alnum((unsigned char)ln->s[i + m]));
}

/* After "noqa": bandit's hardcoded-password checks as ruff names them
 * (S105, S106, S107) among the codes, within the comment's next 48 bytes. */
static int noqa_names_password_check(const line_t *ln, size_t i)
{
    size_t end = ln->n - i > 48 ? i + 48 : ln->n;
    for (size_t k = i; k + 4 <= end; k++)
        if (ln->s[k] == 'S' && ln->s[k + 1] == '1' && ln->s[k + 2] == '0' && ln->s[k + 3] >= '5' &&
            ln->s[k + 3] <= '7' && !sec_is_alnum((unsigned char)ln->s[k - 1]) &&
            (k + 4 == ln->n || !sec_is_alnum((unsigned char)ln->s[k + 4])))
            return 1;
    return 0;
}

/* s[i] is where a comment's text starts: after '#', "//", a C comment's
 * opener or a '*', or "-- " (blanks between allowed), as in "# nosec" and
 * "// #nosec G101". Not an identifier (vfs_getattr_nosec, scc_nosec, int nosec). */
static int after_comment_opener(const line_t *ln, size_t i)
{
    size_t k = i;
    while (k > 0 && (ln->s[k - 1] == ' ' || ln->s[k - 1] == '\t'))
        k--;
    if (k == 0)
        return 0;
    switch (ln->s[k - 1]) {
    case '#': case '/': case '*':
        return 1;
    case '-':
        return k < i && k >= 2 && ln->s[k - 2] == '-';
    default:
        return 0;
    }
}

/* The length of a marker at s[i] that starts with "no": bandit's "nosec",
 * semgrep's "nosemgrep", ruff's "noqa: S105", each a word of its own after
 * a comment opener; 0 when there is none. */
static size_t no_marker_len(const line_t *ln, size_t i)
{
    if (i + 4 >= ln->n || (ln->s[i + 2] != 's' && ln->s[i + 2] != 'q'))
        return 0;   /* the common "no…" word, by its third byte */
    if ((i + 5 < ln->n && ln->s[i + 5] == '_') || !after_comment_opener(ln, i))
        return 0;   /* part of an identifier, or not in a comment */
    if (word_at(ln, i, "nosec"))
        return 5;
    if (word_at(ln, i, "nosemgrep"))
        return 9;
    if (word_at(ln, i, "noqa") && noqa_names_password_check(ln, i + 4))
        return 4;
    return 0;
}

/* "nosec" at s[i]; at ':' gitleaks:allow, trufflehog:ignore, pragma: allowlist
 * secret, ..., and our own airlock:allow <rule>. */
void sec_check_marker(line_t *ln, size_t i)
{
#define M(b, a) {b, sizeof(b) - 1, a, sizeof(a) - 1}
    static const struct { const char *before; size_t bl; const char *after; size_t al; } colon[] = {
        M("gitleaks", "allow"), M("trufflehog", "ignore"), M("pragma", " allowlist"),
        M("detect-secrets", "allow"), M("ggshield", "ignore"),
    };
#undef M
    if (ln->s[i] == 'n') {
        size_t len;
        if (!ln->marker_len && (len = no_marker_len(ln, i)) != 0) {
            ln->marker = i, ln->marker_len = len;
            ln->marker_general = len != 5;   /* not bandit's "nosec": a general linter's */
        }
        return;
    }
    if (i >= 7 && memcmp(ln->s + i - 7, "airlock", 7) == 0 && sec_has_at(ln, i + 1, "allow") && !ln->has_allow) {
        size_t k = an_skip_space(ln->s, ln->n, i + 6), r = 0;
        while (k + r < ln->n && rule_char((unsigned char)ln->s[k + r]) && r < ALLOW_RULE_MAX - 1)
            r++;
        ln->has_allow = 1;
        ln->allow_at = i - 7;
        ln->allow = ln->s + k;
        ln->allow_len = r;
        return;
    }
    for (size_t k = 0; !ln->marker_len && k < sizeof colon / sizeof colon[0]; k++) {
        size_t bl = colon[k].bl, al = colon[k].al;
        if (i >= bl && memcmp(ln->s + i - bl, colon[k].before, bl) == 0 && sec_has_at(ln, i + 1, colon[k].after)) {
            ln->marker = i - bl;
            ln->marker_len = bl + 1 + al;
        }
    }
}
