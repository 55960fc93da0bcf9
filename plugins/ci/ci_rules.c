/*
 * ci_rules.c: the `ci` rules read from YAML keys and whole lines rather than
 * scripts: ci.unpinned_action (uses:, GitLab include:/remote:, CircleCI orbs),
 * and ci.pull_request_target_checkout (privileged triggers and checkouts of
 * the pull request's code, tracked over the file and reported at its end).
 */
#include "ci_internal.h"

#include <string.h>

#include "an_text.h"

static int is_hex40(const char *s, size_t n)
{
    if (n != 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int ci_check_uses(ci_state_t *st, unsigned line, const char *s, size_t n)
{
    size_t e = 0;
    const char *at, *slash;
    if (n > 0 && (s[0] == '\'' || s[0] == '"')) {
        s++;
        n--;
    }
    while (e < n && !an_is_space((unsigned char)s[e]) && s[e] != '\'' && s[e] != '"' && s[e] != '#' &&
           s[e] != ',' && s[e] != '}')
        e++;
    if (e == 0 || (e >= 2 && s[0] == '.' && s[1] == '/'))
        return 0;
    if (e >= 9 && memcmp(s, "docker://", 9) == 0) {
        const char *dg = e >= 64 + 8 ? s + e - 64 - 8 : NULL;   /* …@sha256:<64 hex> */
        if (dg && memcmp(dg, "@sha256:", 8) == 0)
            return 0;
        return ci_emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
                       "container action referenced by a movable tag, not an image digest: "
                       "whoever can push the tag changes the code that runs with this repository's secrets",
                       s, e);
    }
    at = memchr(s, '@', e);
    if (at && is_hex40(at + 1, e - (size_t)(at + 1 - s)))
        return 0;
    slash = memchr(s, '/', e);
    if (slash && ((slash - s == 7 && memcmp(s, "actions", 7) == 0) ||
                  (slash - s == 6 && memcmp(s, "github", 6) == 0)))
        return ci_emit(st, "ci.unpinned_action", AN_SEV_MEDIUM, line,
                       "GitHub-owned action referenced by a movable tag or branch, not a commit sha",
                       s, e);
    return ci_emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
                   "third-party action referenced by a movable tag or branch, not a commit sha: "
                   "its owner can change the code that runs with this repository's secrets", s, e);
}

/* The trigger word at s[at] alone (not github.event.workflow_run.head_sha). */
static int word_alone(const char *s, size_t n, size_t at, size_t len)
{
    return (at == 0 || (!an_is_ident((unsigned char)s[at - 1]) && s[at - 1] != '.')) &&
           (at + len >= n || (!an_is_ident((unsigned char)s[at + len]) && s[at + len] != '.'));
}

/* Whether the line fetches or checks out the pull request's code. */
static int checks_out_head(const char *s, size_t n)
{
    static const char *const heads[] = {"github.event.pull_request.head.sha",
                                        "github.event.pull_request.head.ref", "github.head_ref",
                                        "refs/pull/", "github.event.pull_request.merge_commit_sha",
                                        "gh pr checkout"};
    size_t pull;
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        if (an_find(s, n, heads[i]) != (size_t)-1)
            return 1;
    if (an_find(s, n, "git fetch") != (size_t)-1 && (pull = an_find(s, n, "pull/")) != (size_t)-1 &&
        an_find(s + pull, n - pull, "/head") != (size_t)-1)
        return 1;   /* git fetch origin pull/N/head:pr */
    if (an_find(s, n, "repository:") != (size_t)-1 && an_find(s, n, "head.repo.full_name") != (size_t)-1)
        return 1;   /* actions/checkout of the fork itself (an `if:` comparing it is a guard) */
    return (an_find(s, n, "ref:") != (size_t)-1 || an_find(s, n, "git checkout") != (size_t)-1) &&
           (an_find(s, n, "workflow_run.head_sha") != (size_t)-1 ||
            an_find(s, n, "workflow_run.head_branch") != (size_t)-1);
}

/* Triggers that run with the base repository's secrets and write token
 * although a pull request (or a comment on one) started them, and checkouts
 * of the pull request's code; reported together at the end of the file. */
void ci_track_prt(ci_state_t *st, int added, unsigned line, const char *s, size_t n)
{
    static const char *const privileged[] = {"issue_comment", "workflow_run"};
    size_t at;
    if (an_find(s, n, "pull_request_target") != (size_t)-1 && (!st->prt_line || added)) {
        st->prt_line = line;
        st->prt_added |= added;
    }
    for (size_t i = 0; i < sizeof privileged / sizeof privileged[0]; i++)
        if ((at = an_find(s, n, privileged[i])) != (size_t)-1 && word_alone(s, n, at, strlen(privileged[i])) &&
            (!st->priv_line || added)) {
            st->priv_trigger = privileged[i];
            st->priv_line = line;
            st->priv_added |= added;
        }
    if (an_find(s, n, "secrets.") != (size_t)-1)
        st->secrets_seen = 1;
    if (checks_out_head(s, n) && (!st->head_line || added)) {
        st->head_line = line;
        st->head_added |= added;
    }
}

/* A GitLab `remote:` include is reported when its mapping ends without an
 * `integrity:` hash. */
int ci_remote_flush(ci_state_t *st)
{
    unsigned line = st->remote_line;
    if (!line)
        return 0;
    st->remote_line = 0;
    return ci_emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
                   "GitLab CI includes a remote URL without an integrity hash: whoever controls that "
                   "server changes the pipeline that runs with this project's variables",
                   st->remote_ev, st->remote_evn);
}

static int is_url(const char *v, size_t n)
{
    if (n > 0 && (v[0] == '\'' || v[0] == '"')) {
        v++;
        n--;
    }
    return (n >= 7 && memcmp(v, "http://", 7) == 0) || (n >= 8 && memcmp(v, "https://", 8) == 0);
}

/* GitLab `include:` of a URL, CircleCI orbs by a moving version. */
int ci_check_include(ci_state_t *st, unsigned line, const char *key, size_t kl, size_t col,
                     const char *v, size_t vn)
{
    size_t at;
    if (st->kind == CI_GITLAB && key_is(key, kl, "remote") && is_url(v, vn)) {
        st->remote_line = line;
        st->remote_col = col;
        st->remote_evn = vn < sizeof st->remote_ev ? vn : sizeof st->remote_ev;
        memcpy(st->remote_ev, v, st->remote_evn);
        return 0;
    }
    if (st->kind == CI_GITLAB && key_is(key, kl, "include") && is_url(v, vn))
        return ci_emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
                       "GitLab CI includes a remote URL: whoever controls that server changes the pipeline",
                       v, vn);
    if (st->kind == CI_CIRCLECI && (at = an_find(v, vn, "@")) != (size_t)-1 && memchr(v, '/', at) &&
        ((vn - at - 1 >= 8 && memcmp(v + at + 1, "volatile", 8) == 0) ||
         (vn - at - 1 >= 4 && memcmp(v + at + 1, "dev:", 4) == 0)))
        return ci_emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
                       "CircleCI orb referenced by @volatile or a dev: version: its publisher changes "
                       "the code that runs with this project's contexts",
                       v, vn);
    return 0;
}

/* A line at or left of a pending `remote:` key's column (other than its
 * `integrity:` sibling) ends that include's mapping. */
int ci_remote_line_ends(ci_state_t *st, const char *s, size_t n, size_t ind)
{
    size_t i = ind;
    if (!st->remote_line || ind > st->remote_col)
        return 0;
    if (ind == st->remote_col && n - i >= 10 && memcmp(s + i, "integrity:", 10) == 0)
        return 0;
    return ci_remote_flush(st);
}

/* pull_request_target, or issue_comment / workflow_run with secrets in the
 * file, plus a checkout of the pull request's code. */
int ci_report_head_checkout(ci_state_t *st)
{
    int prt = st->prt_line && (st->prt_added || st->head_added);
    int priv = st->priv_line && st->secrets_seen && (st->priv_added || st->head_added);
    if (!st->active || !st->head_line)
        return 0;
    if (prt)
        return ci_emit(st, "ci.pull_request_target_checkout", AN_SEV_CRITICAL, st->head_line,
                       "pull_request_target workflow checks out the pull request's head: untrusted "
                       "code runs with the base repository's secrets and write token",
                       "pull_request_target", 19);
    if (priv)
        return ci_emit(st, "ci.pull_request_target_checkout", AN_SEV_CRITICAL, st->head_line,
                       "workflow started by a comment or another workflow's run checks out the pull "
                       "request's code while the job holds secrets: untrusted code runs with them",
                       st->priv_trigger, strlen(st->priv_trigger));
    return 0;
}
