/*
 * ci_expr.c: GitHub Actions expressions (`${{ … }}`) and the text a pull
 * request's author controls: which context paths expand event text
 * (ci.script_injection), which env names and step outputs were set from it
 * (ci_state_t's tainted[]), and the other CI systems' template syntax that
 * pastes such text into a script. Reports nothing itself.
 */
#include "ci_internal.h"

#include <string.h>

#include "an_text.h"

/* ${{ <expr> }} at s[i]: the expression slice. */
int ci_expr_at(const char *s, size_t n, size_t i, size_t *es, size_t *en)
{
    size_t k = an_skip_space(s, n, i + 3), e;
    size_t close = an_find(s + k, n - k, "}}");
    if (close == (size_t)-1)
        return 0;
    e = k + close;
    while (e > k && an_is_space((unsigned char)s[e - 1]))
        e--;
    *es = k;
    *en = e - k;
    return 1;
}

/* One context path (github.event.issue.title): attacker text unless it is an
 * id, a number, a sha, a boolean, a count, a timestamp, an enum GitHub
 * chooses (action, state, author_association) or the base branch. The bare
 * event (`toJSON(github.event)`) holds them all; push's github.event.commits
 * holds commit messages (a pull request's .commits is a number). */
static int injectable_path(const char *e, size_t n)
{
    static const char *const safe_ends[] = {
        ".number", ".id", ".sha", "_sha", "_number", "_id", ".draft", ".merged", ".locked",
        ".author_association", ".pull_request.commits", ".additions", ".deletions",
        ".changed_files", "_count", "_at", ".state", ".base.ref", ".private", ".fork"};
    if ((n == 15 && memcmp(e, "github.head_ref", 15) == 0) || (n == 12 && memcmp(e, "github.event", 12) == 0))
        return 1;
    if (n < 13 || memcmp(e, "github.event.", 13) != 0 || (n == 19 && memcmp(e, "github.event.action", 19) == 0))
        return 0;
    for (size_t i = 0; i < sizeof safe_ends / sizeof safe_ends[0]; i++)
        if (ends_with(e, n, safe_ends[i]))
            return 0;
    return 1;
}

/* The context path at e[i], with index syntax written as dots
 * (github['event']['issue']['title'] -> github.event.issue.title, [0] -> .0).
 * Returns its length in out (a path longer than out is cut: still read as
 * the event's text); *end is where it stops in e. */
static size_t context_path(const char *e, size_t n, size_t i, char *out, size_t *end)
{
    size_t o = 0;
    while (i < n) {
        size_t k = i + 1, q = 0;
        if (an_is_ident((unsigned char)e[i]) || e[i] == '.' || e[i] == '*') {
            if (o < CI_PATH_MAX)
                out[o++] = e[i];
            i++;
            continue;
        }
        if (e[i] != '[')
            break;
        if (k < n && (e[k] == '\'' || e[k] == '"'))
            q = k++;
        while (k < n && e[k] != ']' && !(q && e[k] == e[q]))
            k++;
        if (q && k < n)
            k++;   /* the closing quote */
        if (k >= n || e[k] != ']')
            break;
        if (o < CI_PATH_MAX)
            out[o++] = '.';
        for (size_t c = i + 1 + (q ? 1 : 0); c < k - (q ? 1 : 0) && o < CI_PATH_MAX; c++)
            out[o++] = e[c];
        i = k + 1;
    }
    *end = i;
    return o;
}

/* Whether the context path (env.TITLE, steps.meta.outputs.title) was set
 * from event text earlier in the file (compared without case, as GitHub
 * compares context keys). */
static int tainted_path(const ci_state_t *st, const char *path, size_t n)
{
    for (unsigned i = 0; i < st->n_tainted; i++) {
        size_t k = 0;
        if (strlen(st->tainted[i]) != n)
            continue;
        while (k < n && an_lower((unsigned char)st->tainted[i][k]) == an_lower((unsigned char)path[k]))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

/* Remembers prefix + name as a context holding event text. */
static void taint_add(ci_state_t *st, const char *prefix, const char *mid, const char *name, size_t n)
{
    size_t pl = strlen(prefix), ml = strlen(mid), sl = strlen(".outputs.");
    char *out;
    if (st->n_tainted == CI_TAINT_MAX || n == 0 || pl + ml + sl + n >= CI_NAME_MAX)
        return;
    out = st->tainted[st->n_tainted];
    memcpy(out, prefix, pl);
    if (ml) {   /* steps.<id>.outputs.<name> */
        memcpy(out + pl, mid, ml);
        memcpy(out + pl + ml, ".outputs.", sl);
        pl += ml + sl;
    }
    memcpy(out + pl, name, n);
    out[pl + n] = '\0';
    if (tainted_path(st, out, pl + n))
        return;
    st->n_tainted++;
}

/* Whether the expression expands attacker text: any github.event /
 * github.head_ref path in it, also inside toJSON(), format() or join(), or a
 * context set from one earlier (`env: {TITLE: ${{ github.event… }}}`, a
 * step output written from the event). */
int ci_injectable(const ci_state_t *st, const char *e, size_t n)
{
    char path[CI_PATH_MAX];
    for (size_t i = 0; i < n; i++) {
        size_t k, len;
        if (i > 0 && (an_is_ident((unsigned char)e[i - 1]) || e[i - 1] == '.'))
            continue;
        if (i + 6 <= n && memcmp(e + i, "github", 6) == 0) {
            len = context_path(e, n, i, path, &k);
            if (injectable_path(path, len))
                return 1;
            i = k;
        } else if ((i + 4 < n && memcmp(e + i, "env.", 4) == 0) || (i + 6 < n && memcmp(e + i, "steps.", 6) == 0)) {
            len = context_path(e, n, i, path, &k);
            if (tainted_path(st, path, len))
                return 1;
            i = k;
        }
    }
    return 0;
}

/* Text that other CI systems paste into the script before the shell runs it
 * (so quoting in the script does not help), and that a pull request's author
 * chooses: CircleCI's << pipeline.git.branch >>, Azure Pipelines' macro
 * $(System.PullRequest.SourceBranch), a Jenkinsfile's GString
 * "${env.CHANGE_TITLE}" handed to sh. Returns the offset, (size_t)-1 if none. */
size_t ci_template_injection(const ci_state_t *st, const char *s, size_t n, size_t *len)
{
    static const char *const circleci[] = {"pipeline.git.branch", "pipeline.git.tag"};
    static const char *const azure[] = {"$(System.PullRequest.SourceBranch)", "$(Build.SourceVersionMessage)"};
    static const char *const jenkins[] = {"${env.CHANGE_BRANCH}", "${env.CHANGE_TITLE}", "${env.CHANGE_AUTHOR}",
                                          "${env.CHANGE_AUTHOR_DISPLAY_NAME}", "${env.CHANGE_AUTHOR_EMAIL}",
                                          "${env.CHANGE_FORK}"};
    size_t at;
    if (st->kind == CI_CIRCLECI)
        for (size_t i = 0, lt; (lt = an_find(s + i, n - i, "<<")) != (size_t)-1; i += lt + 2) {
            size_t k = an_skip_space(s, n, i + lt + 2);
            for (size_t j = 0; j < sizeof circleci / sizeof circleci[0]; j++)
                if (n - k >= strlen(circleci[j]) && memcmp(s + k, circleci[j], strlen(circleci[j])) == 0) {
                    *len = strlen(circleci[j]);
                    return k;
                }
        }
    for (size_t j = 0; st->kind == CI_AZURE && j < sizeof azure / sizeof azure[0]; j++)
        if ((at = an_find(s, n, azure[j])) != (size_t)-1) {
            *len = strlen(azure[j]);
            return at;
        }
    for (size_t j = 0; st->kind == CI_JENKINS && j < sizeof jenkins / sizeof jenkins[0]; j++)
        if ((at = an_find(s, n, jenkins[j])) != (size_t)-1 &&
            (an_find_word(s, at, "sh") != (size_t)-1 || an_find_word(s, at, "bat") != (size_t)-1 ||
             an_find_word(s, at, "powershell") != (size_t)-1)) {
            *len = strlen(jenkins[j]);
            return at;
        }
    return (size_t)-1;
}

/* The jq filter of `jq -r .pull_request.title "$GITHUB_EVENT_PATH"` as a
 * context path (github.event.pull_request.title); 0 when there is none. */
static size_t jq_event_path(const char *s, size_t n, char *out)
{
    size_t k = an_find_word(s, n, "jq"), o = 12;
    if (k == (size_t)-1)
        return 0;
    for (k += 2;;) {
        k = an_skip_space(s, n, k);
        if (k >= n || s[k] != '-')
            break;
        while (k < n && !an_is_space((unsigned char)s[k]))
            k++;
    }
    if (k < n && (s[k] == '\'' || s[k] == '"'))
        k++;
    if (k >= n || s[k] != '.')
        return 0;
    memcpy(out, "github.event", 12);
    while (k < n && o < CI_PATH_MAX && (an_is_ident((unsigned char)s[k]) || s[k] == '.'))
        out[o++] = s[k++];
    return o;
}

/* `echo "title=$(jq -r .pull_request.title "$GITHUB_EVENT_PATH")" >>
 * "$GITHUB_OUTPUT"` in a step with an id: steps.<id>.outputs.title now holds
 * event text. */
void ci_output_record(ci_state_t *st, const char *s, size_t n)
{
    char path[CI_PATH_MAX];
    size_t out = an_find(s, n, "GITHUB_OUTPUT"), eq, b, len;
    if (out == (size_t)-1 || !st->step_id[0] || an_find(s, out, "=") == (size_t)-1)
        return;
    if (an_find(s, n, "GITHUB_EVENT_PATH") != (size_t)-1) {
        len = jq_event_path(s, n, path);
        if (len && !injectable_path(path, len))
            return;
    } else if (!ci_injectable(st, s, n)) {
        return;
    }
    eq = an_find(s, out, "=");
    b = eq;
    while (b > 0 && (an_is_ident((unsigned char)s[b - 1]) || s[b - 1] == '-'))
        b--;
    taint_add(st, "steps.", st->step_id, s + b, eq - b);
}

/* `TITLE: ${{ github.event.issue.title }}` (an env: entry, or any key):
 * the name now carries attacker text into `${{ env.TITLE }}`. */
void ci_taint_record(ci_state_t *st, const char *key, size_t kl, const char *v, size_t vn)
{
    size_t es, en;
    for (size_t i = 0; i + 3 <= vn; i++)
        if (v[i] == '$' && v[i + 1] == '{' && v[i + 2] == '{' && ci_expr_at(v, vn, i, &es, &en) &&
            ci_injectable(st, v + es, en)) {
            taint_add(st, "env.", "", key, kl);
            return;
        }
}
