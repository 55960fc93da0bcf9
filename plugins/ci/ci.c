/*
 * ci.c: the `ci` analyzer core (rules listed in ci.h).
 *
 * Per line: the indentation and the YAML key (after an optional "- ") decide
 * whether the line opens, continues or ends a script block; script text goes
 * to the script rules and, for curl|sh and decode-and-execute, through the shell analyzer's rule
 * engine (shell_scan_command) with its findings renamed. Owns only its
 * per-scan state (ci_state_t).
 */
#include "ci.h"

#include <string.h>

#include "an_input.h"
#include "an_text.h"
#include "shell.h"

#define CI_FOLD_MAX 4096

typedef struct {
    an_emit_fn emit;
    void *ud;
    const char *file;
    int active, jenkins;
    int in_block;             /* inside a multi-line script value */
    size_t block_indent;      /* indent of the key that opened it */
    unsigned prt_line;        /* pull_request_target seen (line), 0 none */
    int prt_added;
    unsigned head_line;       /* checkout of the PR head seen (line) */
    int head_added;
    unsigned line;            /* current line, for the shell adapter */
    sh_staged_t staged;       /* files the file's scripts downloaded or decoded (shell_staged.h) */
    int folded;               /* the block is a folded scalar (`run: >`): its lines are one line */
    char fold[CI_FOLD_MAX];   /* a folded block's added lines, joined by spaces */
    size_t fold_len;
    unsigned fold_line;       /* its first line */
} ci_state_t;
_Static_assert(sizeof(ci_state_t) <= AN_STATE_MAX, "ci state must fit the driver's buffer");

static const char *const s_script_keys[] = {"run", "script", "before_script", "after_script",
                                            "command"};

int ci_path_is_ci(const char *path)
{
    const char *ext = an_path_ext(path), *base = an_path_base(path);
    int yml = strcmp(ext, "yml") == 0 || strcmp(ext, "yaml") == 0;
    if (strcmp(path, ".gitlab-ci.yml") == 0 || strcmp(base, "Jenkinsfile") == 0 ||
        strcmp(path, ".circleci/config.yml") == 0)
        return 1;
    if (yml && (strncmp(path, ".github/workflows/", 18) == 0 || strncmp(path, ".forgejo/workflows/", 19) == 0 ||
                strncmp(path, ".gitea/workflows/", 17) == 0))   /* GitHub Actions syntax */
        return 1;
    if (yml && strncmp(path, ".gitlab/", 8) == 0)
        return 1;
    return yml && strncmp(path, ".github/", 8) == 0 &&
           (strcmp(base, "action.yml") == 0 || strcmp(base, "action.yaml") == 0);
}

static int emit(ci_state_t *st, const char *rule, an_severity_t sev, unsigned line,
                const char *msg, const char *ev, size_t evn)
{
    return an_emit(st->emit, st->ud, rule, sev, st->file, line, msg, ev, evn);
}

/* ---- script rules ------------------------------------------------------- */

static int shell_adapter(void *ud, const an_finding_t *f)
{
    ci_state_t *st = ud;
    if (strcmp(f->rule_id, "shell.decode_exec") == 0)
        return emit(st, "ci.decode_exec", AN_SEV_CRITICAL, st->line,
                    "CI step decodes hidden code and runs it (base64/xxd/printf escapes into a shell)",
                    f->evidence, f->evidence_len);
    if (strcmp(f->rule_id, "shell.credential_exfil") == 0)
        return emit(st, "ci.credential_exfil", AN_SEV_HIGH, st->line,
                    "CI step sends credentials or the whole environment (where the job's secrets live) "
                    "to the network",
                    f->evidence, f->evidence_len);
    if (strcmp(f->rule_id, "shell.curl_pipe_shell") != 0)
        return 0;
    return emit(st, "ci.curl_pipe_shell", AN_SEV_CRITICAL, st->line,
                "CI step downloads code and runs it unseen (curl/wget into a shell)",
                f->evidence, f->evidence_len);
}

/* ${{ <expr> }} at s[i]: the expression slice. */
static int expr_at(const char *s, size_t n, size_t i, size_t *es, size_t *en)
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

static int ends_with(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(s + n - m, lit, m) == 0;
}

/* One context path (github.event.issue.title): attacker text unless an id,
 * a number or a sha. The bare event (`toJSON(github.event)`) holds them all. */
static int injectable_path(const char *e, size_t n)
{
    if ((n == 15 && memcmp(e, "github.head_ref", 15) == 0) || (n == 12 && memcmp(e, "github.event", 12) == 0))
        return 1;
    if (n < 13 || memcmp(e, "github.event.", 13) != 0)
        return 0;
    return !(ends_with(e, n, ".number") || ends_with(e, n, ".id") || ends_with(e, n, ".sha") ||
             ends_with(e, n, "_sha") || ends_with(e, n, "_number") || ends_with(e, n, "_id"));
}

/* Whether the expression expands attacker text: any github.event /
 * github.head_ref path in it, also inside toJSON(), format() or join(). */
static int injectable(const char *e, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++) {
        size_t k = i;
        if (memcmp(e + i, "github", 6) != 0 || (i > 0 && (an_is_ident((unsigned char)e[i - 1]) || e[i - 1] == '.')))
            continue;
        while (k < n && (an_is_ident((unsigned char)e[k]) || e[k] == '.'))
            k++;
        if (injectable_path(e + i, k - i))
            return 1;
        i = k;
    }
    return 0;
}

static int printer_before(const char *s, size_t at)
{
    static const char *const words[] = {"echo", "printf", "print", "Write-Host", "Write-Output",
                                        "console.log", "puts", "cat"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (an_find_word(s, at, words[i]) != (size_t)-1)
            return 1;
    return 0;
}

/* A folded block's lines, joined as YAML joins them, scanned as one line
 * (reported at the block's first line). */
static int fold_flush(ci_state_t *st)
{
    int rc = 0;
    if (st->fold_len) {
        st->line = st->fold_line;
        rc = shell_scan_command_staged(st->fold, st->fold_len, st->file, shell_adapter, st, &st->staged);
    }
    st->fold_len = 0;
    return rc;
}

/* When the block outgrows the buffer, its middle is dropped: the head (where
 * the command starts) stays and the newest line follows it, so padding a
 * folded block cannot separate `curl` from `| sh` (as the shell analyzer
 * does with continuation lines). */
static void fold_append(ci_state_t *st, unsigned line, const char *s, size_t n)
{
    if (!st->fold_len)
        st->fold_line = line;
    if (st->fold_len + n + 1 > sizeof st->fold && st->fold_len > CI_FOLD_MAX / 2)
        st->fold_len = CI_FOLD_MAX / 2;
    if (n > sizeof st->fold - st->fold_len - 1)
        n = sizeof st->fold - st->fold_len - 1;
    memcpy(st->fold + st->fold_len, s, n);
    st->fold_len += n;
    st->fold[st->fold_len++] = ' ';
}

static int script_line(ci_state_t *st, unsigned line, const char *s, size_t n)
{
    int rc = 0;
    size_t es, en;
    st->line = line;
    for (size_t i = 0; rc == 0 && i + 3 <= n; i++) {
        if (s[i] != '$' || s[i + 1] != '{' || s[i + 2] != '{' || !expr_at(s, n, i, &es, &en))
            continue;
        if (injectable(s + es, en))
            rc = emit(st, "ci.script_injection", AN_SEV_HIGH, line,
                      "attacker-controlled event text is expanded into a script", s + es, en);
        else if (en > 8 && memcmp(s + es, "secrets.", 8) == 0 && printer_before(s, i))
            rc = emit(st, "ci.secret_echo", AN_SEV_HIGH, line,
                      "a secret is printed to the CI log", s + es, en);
    }
    if (rc == 0 && st->in_block && st->folded)
        fold_append(st, line, s, n);
    else if (rc == 0)
        rc = shell_scan_command_staged(s, n, st->file, shell_adapter, st, &st->staged);
    return rc;
}

/* ---- line-level rules ------------------------------------------------------ */

static int is_hex40(const char *s, size_t n)
{
    if (n != 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int check_uses(ci_state_t *st, unsigned line, const char *s, size_t n)
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
        return emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
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
        return emit(st, "ci.unpinned_action", AN_SEV_MEDIUM, line,
                    "GitHub-owned action referenced by a movable tag or branch, not a commit sha",
                    s, e);
    return emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
                "third-party action referenced by a movable tag or branch, not a commit sha: "
                "its owner can change the code that runs with this repository's secrets", s, e);
}

static size_t key_at(const char *s, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && (an_is_ident((unsigned char)s[k]) || s[k] == '-'))
        k++;
    if (k == i || k >= n || s[k] != ':' || (k + 1 < n && !an_is_space((unsigned char)s[k + 1])))
        return 0;
    return k - i;
}

static int key_is(const char *k, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(k, lit, n) == 0;
}

static void track_prt(ci_state_t *st, int added, unsigned line, const char *s, size_t n)
{
    static const char *const heads[] = {"github.event.pull_request.head.sha",
                                        "github.event.pull_request.head.ref", "github.head_ref",
                                        "refs/pull/", "github.event.pull_request.merge_commit_sha"};
    if (an_find(s, n, "pull_request_target") != (size_t)-1 && (!st->prt_line || added)) {
        st->prt_line = line;
        st->prt_added |= added;
    }
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        if (an_find(s, n, heads[i]) != (size_t)-1 && (!st->head_line || added)) {
            st->head_line = line;
            st->head_added |= added;
        }
}

/* A "key: value" line outside script blocks. */
static int key_line(ci_state_t *st, int added, unsigned line, const char *s, size_t n,
                    size_t i, size_t kl)
{
    size_t v = an_skip_space(s, n, i + kl + 1);
    for (size_t k = 0; k < sizeof s_script_keys / sizeof s_script_keys[0]; k++) {
        if (!key_is(s + i, kl, s_script_keys[k]))
            continue;
        if (v >= n || s[v] == '|' || s[v] == '>' || s[v] == '#') {
            st->in_block = 1;
            st->folded = v < n && s[v] == '>';
            st->block_indent = i;
            return 0;
        }
        return added ? script_line(st, line, s + v, n - v) : 0;
    }
    if (!added)
        return 0;
    if (key_is(s + i, kl, "uses"))
        return check_uses(st, line, s + v, n - v);
    if (v < n && (s[v] == '"' || s[v] == '\''))
        v++;   /* permissions: "write-all" */
    if (key_is(s + i, kl, "permissions") && n - v >= 9 && memcmp(s + v, "write-all", 9) == 0)
        return emit(st, "ci.permissions_write_all", AN_SEV_HIGH, line,
                    "workflow token gets write access to everything", s + i, v + 9 - i);
    return 0;
}

/* `- {uses: owner/repo@v2, with: {…}}`: a step written as a flow mapping. */
static int flow_uses(ci_state_t *st, unsigned line, const char *s, size_t n, size_t i)
{
    size_t u = an_find(s + i, n - i, "uses:");
    if (u == (size_t)-1)
        return 0;
    u = an_skip_space(s, n, i + u + 5);
    return check_uses(st, line, s + u, n - u);
}

static int ci_line(ci_state_t *st, int added, unsigned line, const char *s, size_t n)
{
    size_t ind = an_skip_space(s, n, 0), i = ind, kl;
    int rc = 0;
    track_prt(st, added, line, s, n);
    if (added && an_find(s, n, "toJSON(secrets)") != (size_t)-1 &&
        (rc = emit(st, "ci.secret_echo", AN_SEV_HIGH, line, "all secrets are serialised",
                   s + an_find(s, n, "toJSON(secrets)"), 15)) != 0)
        return rc;
    if (st->jenkins)
        return added ? script_line(st, line, s, n) : 0;
    if (i >= n || s[i] == '#')
        return 0;
    if (st->in_block && (ind > st->block_indent ||
                         (ind == st->block_indent && s[i] == '-' && i + 1 < n && s[i + 1] == ' '))) {
        if (s[i] == '-' && i + 1 < n && s[i + 1] == ' ')
            i += 2;
        return added ? script_line(st, line, s + i, n - i) : 0;
    }
    st->in_block = 0;
    if ((rc = fold_flush(st)) != 0)
        return rc;
    if (s[i] == '-' && i + 1 < n && s[i + 1] == ' ')
        i = an_skip_space(s, n, i + 1);
    if (added && i < n && s[i] == '{')
        return flow_uses(st, line, s, n, i);
    kl = key_at(s, n, i);
    return kl ? key_line(st, added, line, s, n, i, kl) : 0;
}

/* ---- visitor ------------------------------------------------------------- */

static void ci_begin(void *state, an_emit_fn emit_fn, void *ud)
{
    ci_state_t *st = state;
    memset(st, 0, sizeof *st);
    st->emit = emit_fn;
    st->ud = ud;
    st->file = "";
}

static int ci_on_file(void *ud, const an_file_t *f)
{
    ci_state_t *st = ud;
    void *keep_ud = st->ud;
    an_emit_fn keep = st->emit;
    memset(st, 0, sizeof *st);
    st->emit = keep;
    st->ud = keep_ud;
    st->file = an_file_path(f);
    st->active = !(f->flags & (AN_FILE_DELETED | AN_FILE_BINARY)) && ci_path_is_ci(st->file);
    st->jenkins = strcmp(an_path_base(st->file), "Jenkinsfile") == 0;
    return 0;
}

static int ci_on_line(void *ud, const an_file_t *f, an_line_kind_t kind, unsigned lineno,
                      const char *text, size_t len)
{
    ci_state_t *st = ud;
    (void)f;
    if (!st->active || kind == AN_LINE_REMOVED)
        return 0;
    return ci_line(st, kind == AN_LINE_ADDED, lineno, text, len);
}

static int ci_on_file_end(void *ud, const an_file_t *f)
{
    ci_state_t *st = ud;
    int rc;
    (void)f;
    if ((rc = fold_flush(st)) != 0)
        return rc;
    if (!st->active || !st->prt_line || !st->head_line || !(st->prt_added || st->head_added))
        return 0;
    return emit(st, "ci.pull_request_target_checkout", AN_SEV_CRITICAL, st->head_line,
                "pull_request_target workflow checks out the pull request's head: untrusted "
                "code runs with the base repository's secrets and write token",
                "pull_request_target", 19);
}

static const an_patch_visitor_t s_visitor = {
    .on_file = ci_on_file,
    .on_line = ci_on_line,
    .on_file_end = ci_on_file_end,
};

const an_analyzer_t ci_analyzer = {
    .name = "ci",
    .version = "1.0.0",
    .state_size = sizeof(ci_state_t),
    .begin = ci_begin,
    .visitor = &s_visitor,
};
