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
#define CI_TAINT_MAX 16     /* names set from event text, per file */
#define CI_NAME_MAX 64
#define CI_ANCHOR_MAX 4     /* anchored blocks whose findings wait for a `run: *alias` */
#define CI_SECRET_VARS 8    /* env names set from ${{ secrets.* }} */
#define CI_ENCODED_MAX 4    /* `echo "$T" | base64` lines waiting for T's env: entry */
#define CI_EVIDENCE_MAX 96

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

static const char *const s_script_keys[] = {"run", "script", "before_script", "after_script",
                                            "command"};

static int ends_with(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(s + n - m, lit, m) == 0;
}

/* The file's CI syntax from its path. action.yml is a composite action
 * wherever it lives (`uses: ./` runs the root one, `uses: ./actions/x` a
 * nested one); *.gitlab-ci.yml files are what GitLab's `include: local:`
 * pulls in, by convention. */
static ci_kind_t ci_kind_of(const char *path)
{
    const char *ext = an_path_ext(path), *base = an_path_base(path);
    int yml = strcmp(ext, "yml") == 0 || strcmp(ext, "yaml") == 0;
    if (strcmp(base, "Jenkinsfile") == 0)
        return CI_JENKINS;
    if (strcmp(path, ".circleci/config.yml") == 0)
        return CI_CIRCLECI;
    if (strcmp(base, "azure-pipelines.yml") == 0 || strcmp(base, "azure-pipelines.yaml") == 0 ||
        (yml && strncmp(path, ".azure-pipelines/", 17) == 0))
        return CI_AZURE;
    if (ends_with(base, strlen(base), ".gitlab-ci.yml") || (yml && strncmp(path, ".gitlab/", 8) == 0))
        return CI_GITLAB;
    if (yml && (strncmp(path, ".github/workflows/", 18) == 0 || strncmp(path, ".forgejo/workflows/", 19) == 0 ||
                strncmp(path, ".gitea/workflows/", 17) == 0))   /* GitHub Actions syntax */
        return CI_ACTIONS;
    return strcmp(base, "action.yml") == 0 || strcmp(base, "action.yaml") == 0 ? CI_ACTIONS : CI_NONE;
}

int ci_path_is_ci(const char *path)
{
    return ci_kind_of(path) != CI_NONE;
}

/* Reports a finding, or inside an anchored block keeps the block's first one
 * for the alias that makes it a script (anchor_replay). */
static int emit(ci_state_t *st, const char *rule, an_severity_t sev, unsigned line,
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

#define CI_PATH_MAX 128

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
static int injectable(const ci_state_t *st, const char *e, size_t n)
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
static size_t template_injection(const ci_state_t *st, const char *s, size_t n, size_t *len)
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

static int printer_before(const char *s, size_t at)
{
    static const char *const words[] = {"echo", "printf", "print", "Write-Host", "Write-Output",
                                        "console.log", "puts", "cat", "process.stdout.write",
                                        "sys.stdout.write"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (an_find_word(s, at, words[i]) != (size_t)-1)
            return 1;
    return 0;
}

/* `base64 <<< "${{ secrets.X }}"`: a here-string into a command that writes
 * its input, transformed, to the log (past the runner's masking). */
static int output_to_file(const char *s, size_t n, size_t from);

static const char *const s_encoders[] = {"base64", "xxd", "od", "hexdump", "rev", "sed", "tr", "awk",
                                         "fold", "cat", "tee"};

static int herestring_into_printer(const char *s, size_t at)
{
    const char *const *words = s_encoders;
    size_t k = at;
    while (k > 0 && (s[k - 1] == '"' || s[k - 1] == '\'' || an_is_space((unsigned char)s[k - 1])))
        k--;
    if (k < 3 || memcmp(s + k - 3, "<<<", 3) != 0)
        return 0;
    for (size_t i = 0; i < sizeof s_encoders / sizeof s_encoders[0]; i++)
        if (an_find_word(s, k - 3, words[i]) != (size_t)-1)
            return 1;
    return 0;
}

/* `echo "$T" | base64`: the last stage of the pipeline after s[from] is an
 * encoder writing to the log (the runner masks a secret's value, not its
 * base64 or its letters spaced out). */
static int piped_into_encoder(const char *s, size_t n, size_t from)
{
    size_t bar = (size_t)-1, k;
    for (size_t i = from; i < n; i++)
        if (s[i] == '|' && !(i + 1 < n && s[i + 1] == '|') && !(i > 0 && s[i - 1] == '|'))
            bar = i;
    if (bar == (size_t)-1 || output_to_file(s, n, bar))
        return 0;
    k = an_skip_space(s, n, bar + 1);
    for (size_t i = 0; i < sizeof s_encoders / sizeof s_encoders[0]; i++) {
        size_t wl = strlen(s_encoders[i]);
        if (n - k >= wl && memcmp(s + k, s_encoders[i], wl) == 0 &&
            (k + wl == n || !an_is_ident((unsigned char)s[k + wl])))
            return 1;
    }
    return 0;
}

/* Whether the command's output after s[from] goes to a file (`> ~/.kube/config`,
 * `>> "$GITHUB_ENV"`) rather than the log: an unquoted > or >> of stdout
 * before the next ; && || &, to something other than /dev/stdout,
 * /dev/stderr, /dev/tty or a file descriptor. */
static int output_to_file(const char *s, size_t n, size_t from)
{
    char q = 0;
    for (size_t i = 0; i < n; i++) {
        size_t t;
        if (q) {
            q = s[i] == q ? 0 : q;
            continue;
        }
        if (s[i] == '"' || s[i] == '\'') {
            q = s[i];
            continue;
        }
        if (i >= from && (s[i] == ';' || (s[i] == '&' && !(i + 1 < n && s[i + 1] == '>'))))
            return 0;   /* the next command's redirection is not this one's (but &> is) */
        if (i < from || s[i] != '>' || (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9' && s[i - 1] != '1'))
            continue;
        t = i + 1 < n && s[i + 1] == '>' ? i + 2 : i + 1;
        if (t < n && (s[t] == '&' || s[t] == '('))
            continue;
        t = an_skip_space(s, n, t);
        if (t < n && (s[t] == '"' || s[t] == '\''))
            t++;
        return !(n - t >= 8 && memcmp(s + t, "/dev/std", 8) == 0) &&
               !(n - t >= 8 && memcmp(s + t, "/dev/tty", 8) == 0) &&
               !(n - t >= 8 && memcmp(s + t, "/dev/fd/", 8) == 0) &&
               !(n - t >= 13 && memcmp(s + t, "/proc/self/fd", 13) == 0);
    }
    return 0;
}

/* Whether the secret expression at s[at..end) reaches the log: printed, or
 * fed to an encoder by a here-string; not when it is the ::add-mask::
 * command (which hides the value) or the output goes to a file. */
static int secret_printed(const char *s, size_t n, size_t at, size_t end)
{
    if (at >= 12 && memcmp(s + at - 12, "::add-mask::", 12) == 0)
        return 0;
    if (!printer_before(s, at) && !herestring_into_printer(s, at))
        return 0;
    return !output_to_file(s, n, end);
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

static int name_in(const char (*names)[CI_NAME_MAX], unsigned count, const char *name, size_t n)
{
    for (unsigned i = 0; i < count; i++)
        if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
            return 1;
    return 0;
}

static int report_encoded_secret(ci_state_t *st, unsigned line, const char *name, size_t n)
{
    return emit(st, "ci.secret_echo", AN_SEV_HIGH, line,
                "a secret from the step's env is encoded into the CI log (past the runner's masking)",
                name, n);
}

/* `echo "$T" | base64` or `base64 <<< "$T"`: reported now if T holds a
 * secret (env: T: ${{ secrets.X }} above), else kept until an env: entry
 * below (a step's env: usually follows its run:) says so. */
static int encoded_var_check(ci_state_t *st, unsigned line, const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        size_t b = i + 1 + (s[i + 1] == '{'), e = b;
        if (s[i] != '$')
            continue;
        while (e < n && an_is_ident((unsigned char)s[e]))
            e++;
        if (e == b || e - b >= CI_NAME_MAX ||
            !((printer_before(s, i) && piped_into_encoder(s, n, e)) || herestring_into_printer(s, i)))
            continue;
        if (name_in(st->secret_vars, st->n_secret_vars, s + b, e - b))
            return report_encoded_secret(st, line, s + b, e - b);
        if (st->n_encoded < CI_ENCODED_MAX) {
            memcpy(st->encoded[st->n_encoded].name, s + b, e - b);
            st->encoded[st->n_encoded].name[e - b] = '\0';
            st->encoded[st->n_encoded++].line = line;
        }
    }
    return 0;
}

/* `T: ${{ secrets.X }}`: T holds a secret; a waiting `echo "$T" | base64` is reported. */
static int secret_var_record(ci_state_t *st, const char *key, size_t kl, const char *v, size_t vn)
{
    size_t at = an_find(v, vn, "${{");
    if (kl >= CI_NAME_MAX || at == (size_t)-1 || an_find(v + at, vn - at, "secrets.") == (size_t)-1)
        return 0;
    if (st->n_secret_vars < CI_SECRET_VARS && !name_in(st->secret_vars, st->n_secret_vars, key, kl)) {
        memcpy(st->secret_vars[st->n_secret_vars], key, kl);
        st->secret_vars[st->n_secret_vars++][kl] = '\0';
    }
    for (unsigned i = 0; i < st->n_encoded; i++)
        if (strlen(st->encoded[i].name) == kl && memcmp(st->encoded[i].name, key, kl) == 0) {
            unsigned line = st->encoded[i].line;
            st->encoded[i] = st->encoded[--st->n_encoded];
            return report_encoded_secret(st, line, key, kl);
        }
    return 0;
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
static void output_record(ci_state_t *st, const char *s, size_t n)
{
    char path[CI_PATH_MAX];
    size_t out = an_find(s, n, "GITHUB_OUTPUT"), eq, b, len;
    if (out == (size_t)-1 || !st->step_id[0] || an_find(s, out, "=") == (size_t)-1)
        return;
    if (an_find(s, n, "GITHUB_EVENT_PATH") != (size_t)-1) {
        len = jq_event_path(s, n, path);
        if (len && !injectable_path(path, len))
            return;
    } else if (!injectable(st, s, n)) {
        return;
    }
    eq = an_find(s, out, "=");
    b = eq;
    while (b > 0 && (an_is_ident((unsigned char)s[b - 1]) || s[b - 1] == '-'))
        b--;
    taint_add(st, "steps.", st->step_id, s + b, eq - b);
}

static int script_line(ci_state_t *st, unsigned line, const char *s, size_t n)
{
    int rc = 0;
    size_t es, en, at, len;
    st->line = line;
    for (size_t i = 0; rc == 0 && i + 3 <= n; i++) {
        if (s[i] != '$' || s[i + 1] != '{' || s[i + 2] != '{' || !expr_at(s, n, i, &es, &en))
            continue;
        if (injectable(st, s + es, en))
            rc = emit(st, "ci.script_injection", AN_SEV_HIGH, line,
                      "attacker-controlled event text is expanded into a script", s + es, en);
        else if (en > 8 && memcmp(s + es, "secrets.", 8) == 0 && secret_printed(s, n, i, es + en))
            rc = emit(st, "ci.secret_echo", AN_SEV_HIGH, line,
                      "a secret is printed to the CI log", s + es, en);
    }
    output_record(st, s, n);
    if (rc == 0)
        rc = encoded_var_check(st, line, s, n);
    if (rc == 0 && (at = template_injection(st, s, n, &len)) != (size_t)-1)
        rc = emit(st, "ci.script_injection", AN_SEV_HIGH, line,
                  "text the pull request's author chooses (branch, title, commit message) is pasted "
                  "into a script before the shell reads it", s + at, len);
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

/* `'run': …` / `"run": …`: a key in quotes. Sets *ks to the key's start. */
static size_t quoted_key_at(const char *s, size_t n, size_t i, size_t *ks)
{
    size_t k = i + 1;
    if (i >= n || (s[i] != '\'' && s[i] != '"'))
        return 0;
    while (k < n && (an_is_ident((unsigned char)s[k]) || s[k] == '-'))
        k++;
    if (k == i + 1 || k + 1 >= n || s[k] != s[i] || s[k + 1] != ':' ||
        (k + 2 < n && !an_is_space((unsigned char)s[k + 2])))
        return 0;
    *ks = i + 1;
    return k - i - 1;
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
static void track_prt(ci_state_t *st, int added, unsigned line, const char *s, size_t n)
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

/* `TITLE: ${{ github.event.issue.title }}` (an env: entry, or any key):
 * the name now carries attacker text into `${{ env.TITLE }}`. */
static void taint_record(ci_state_t *st, const char *key, size_t kl, const char *v, size_t vn)
{
    size_t es, en;
    for (size_t i = 0; i + 3 <= vn; i++)
        if (v[i] == '$' && v[i + 1] == '{' && v[i + 2] == '{' && expr_at(v, vn, i, &es, &en) &&
            injectable(st, v + es, en)) {
            taint_add(st, "env.", "", key, kl);
            return;
        }
}

/* `id: meta`: the step whose outputs the following script lines write. */
static void step_id_record(ci_state_t *st, const char *v, size_t vn)
{
    size_t k = 0;
    if (vn > 0 && (v[0] == '\'' || v[0] == '"')) {
        v++;
        vn--;
    }
    while (k < vn && k + 1 < CI_NAME_MAX && (an_is_ident((unsigned char)v[k]) || v[k] == '-'))
        k++;
    memcpy(st->step_id, v, k);
    st->step_id[k] = '\0';
}

/* The anchor or alias name after & or * at s[i]. */
static size_t anchor_name(const char *s, size_t n, size_t i)
{
    size_t k = i + 1;
    while (k < n && !an_is_space((unsigned char)s[k]) && s[k] != ',' && s[k] != '}' && s[k] != ']')
        k++;
    return k - i - 1;
}

/* `x-notify: &notify |`: the block is read like a script, its first finding
 * kept for a `run: *notify` (anchor_replay); the last slot is reused when
 * the file has more anchors. */
static void anchor_open(ci_state_t *st, const char *name, size_t len)
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
static int anchor_replay(ci_state_t *st, const char *name, size_t len)
{
    for (unsigned i = 0; i < st->n_anchors; i++) {
        const ci_anchor_t *a = &st->anchors[i];
        if (a->rule && strlen(a->name) == len && memcmp(a->name, name, len) == 0)
            return emit(st, a->rule, a->sev, a->line, a->msg, a->ev, a->evn);
    }
    return 0;
}

/* A GitLab `remote:` include is reported when its mapping ends without an
 * `integrity:` hash. */
static int remote_flush(ci_state_t *st)
{
    unsigned line = st->remote_line;
    if (!line)
        return 0;
    st->remote_line = 0;
    return emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
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
static int check_include(ci_state_t *st, unsigned line, const char *key, size_t kl, size_t col,
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
        return emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
                    "GitLab CI includes a remote URL: whoever controls that server changes the pipeline",
                    v, vn);
    if (st->kind == CI_CIRCLECI && (at = an_find(v, vn, "@")) != (size_t)-1 && memchr(v, '/', at) &&
        ((vn - at - 1 >= 8 && memcmp(v + at + 1, "volatile", 8) == 0) ||
         (vn - at - 1 >= 4 && memcmp(v + at + 1, "dev:", 4) == 0)))
        return emit(st, "ci.unpinned_action", AN_SEV_HIGH, line,
                    "CircleCI orb referenced by @volatile or a dev: version: its publisher changes "
                    "the code that runs with this project's contexts",
                    v, vn);
    return 0;
}

/* run:, script:, …; in Azure Pipelines also the bash:, pwsh: and powershell: steps. */
static int is_script_key(const ci_state_t *st, const char *key, size_t kl)
{
    static const char *const azure[] = {"bash", "pwsh", "powershell"};
    for (size_t i = 0; i < sizeof s_script_keys / sizeof s_script_keys[0]; i++)
        if (key_is(key, kl, s_script_keys[i]))
            return 1;
    for (size_t i = 0; st->kind == CI_AZURE && i < sizeof azure / sizeof azure[0]; i++)
        if (key_is(key, kl, azure[i]))
            return 1;
    return 0;
}

/* A "key: value" line outside script blocks; k is where the key starts, v
 * where its value does. */
static int key_line(ci_state_t *st, int added, unsigned line, const char *s, size_t n,
                    size_t k, size_t kl, size_t v)
{
    size_t anchor = 0, alen = 0;
    int rc;
    if (v < n && s[v] == '&') {   /* `key: &name |` */
        anchor = v;
        alen = anchor_name(s, n, v);
        v = an_skip_space(s, n, v + 1 + alen);
    }
    if (is_script_key(st, s + k, kl)) {
        if (v >= n || s[v] == '|' || s[v] == '>' || s[v] == '#') {
            st->in_block = 1;
            st->folded = v < n && s[v] == '>';
            st->block_indent = k;
            return 0;
        }
        if (s[v] == '*')
            return anchor_replay(st, s + v + 1, anchor_name(s, n, v));
        return added ? script_line(st, line, s + v, n - v) : 0;
    }
    taint_record(st, s + k, kl, s + v, n - v);
    if ((rc = secret_var_record(st, s + k, kl, s + v, n - v)) != 0)
        return rc;
    if (key_is(s + k, kl, "id"))
        step_id_record(st, s + v, n - v);
    if (alen && v < n && (s[v] == '|' || s[v] == '>')) {
        anchor_open(st, s + anchor + 1, alen);
        st->in_block = 1;
        st->folded = s[v] == '>';
        st->block_indent = k;
        return 0;
    }
    if (key_is(s + k, kl, "integrity") && st->remote_line && k == st->remote_col)
        st->remote_line = 0;
    if (!added)
        return 0;
    if (key_is(s + k, kl, "uses"))
        return check_uses(st, line, s + v, n - v);
    if (key_is(s + k, kl, "remote") || key_is(s + k, kl, "include") || st->kind == CI_CIRCLECI)
        return check_include(st, line, s + k, kl, k, s + v, n - v);
    if (v < n && (s[v] == '"' || s[v] == '\''))
        v++;   /* permissions: "write-all" */
    if (key_is(s + k, kl, "permissions") && n - v >= 9 && memcmp(s + v, "write-all", 9) == 0)
        return emit(st, "ci.permissions_write_all", AN_SEV_HIGH, line,
                    "workflow token gets write access to everything", s + k, v + 9 - k);
    return 0;
}

/* The value of `run:` in a flow mapping (`- {name: x, run: "curl … | sh"}`):
 * quoted up to its closing quote, plain up to the next , or }. */
static int flow_run(ci_state_t *st, unsigned line, const char *s, size_t n, size_t i)
{
    size_t r = i, v, e;
    for (;;) {
        size_t at = an_find(s + r, n - r, "run:");
        size_t b;
        if (at == (size_t)-1)
            return 0;
        r += at;
        b = r;
        while (b > i && an_is_space((unsigned char)s[b - 1]))
            b--;
        if (b > i && (s[b - 1] == '{' || s[b - 1] == ','))
            break;
        r += 4;
    }
    v = an_skip_space(s, n, r + 4);
    if (v < n && (s[v] == '"' || s[v] == '\'')) {
        e = v + 1;
        while (e < n && !(s[e] == s[v] && !(s[v] == '"' && s[e - 1] == '\\')))
            e++;
        v++;
    } else {
        e = v;
        while (e < n && s[e] != ',' && s[e] != '}')
            e++;
    }
    return script_line(st, line, s + v, e - v);
}

/* `- {uses: owner/repo@v2, with: {…}}` / `- {name: x, run: …}`: a step
 * written as a flow mapping. */
static int flow_step(ci_state_t *st, unsigned line, const char *s, size_t n, size_t i)
{
    size_t u = an_find(s + i, n - i, "uses:");
    int rc = flow_run(st, line, s, n, i);
    if (rc != 0 || u == (size_t)-1)
        return rc;
    u = an_skip_space(s, n, i + u + 5);
    return check_uses(st, line, s + u, n - u);
}

/* A line at or left of a pending `remote:` key's column (other than its
 * `integrity:` sibling) ends that include's mapping. */
static int remote_line_ends(ci_state_t *st, const char *s, size_t n, size_t ind)
{
    size_t i = ind;
    if (!st->remote_line || ind > st->remote_col)
        return 0;
    if (ind == st->remote_col && n - i >= 10 && memcmp(s + i, "integrity:", 10) == 0)
        return 0;
    return remote_flush(st);
}

static int ci_line(ci_state_t *st, int added, unsigned line, const char *s, size_t n)
{
    size_t ind = an_skip_space(s, n, 0), i = ind, kl, ks = 0;
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
    rc = fold_flush(st);
    st->deferring = 0;
    if (rc != 0 || (rc = remote_line_ends(st, s, n, ind)) != 0)
        return rc;
    if (s[i] == '-' && i + 1 < n && s[i + 1] == ' ') {
        st->step_id[0] = '\0';   /* a new step (its `id:` may follow) */
        i = an_skip_space(s, n, i + 1);
    }
    if (added && i < n && s[i] == '{')
        return flow_step(st, line, s, n, i);
    if ((kl = key_at(s, n, i)) != 0)
        return key_line(st, added, line, s, n, i, kl, an_skip_space(s, n, i + kl + 1));
    if ((kl = quoted_key_at(s, n, i, &ks)) != 0)
        return key_line(st, added, line, s, n, ks, kl, an_skip_space(s, n, ks + kl + 2));
    return 0;
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
    st->kind = ci_kind_of(st->file);
    st->active = !(f->flags & (AN_FILE_DELETED | AN_FILE_BINARY)) && st->kind != CI_NONE;
    st->jenkins = st->kind == CI_JENKINS;
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

/* pull_request_target, or issue_comment / workflow_run with secrets in the
 * file, plus a checkout of the pull request's code. */
static int report_head_checkout(ci_state_t *st)
{
    int prt = st->prt_line && (st->prt_added || st->head_added);
    int priv = st->priv_line && st->secrets_seen && (st->priv_added || st->head_added);
    if (!st->active || !st->head_line)
        return 0;
    if (prt)
        return emit(st, "ci.pull_request_target_checkout", AN_SEV_CRITICAL, st->head_line,
                    "pull_request_target workflow checks out the pull request's head: untrusted "
                    "code runs with the base repository's secrets and write token",
                    "pull_request_target", 19);
    if (priv)
        return emit(st, "ci.pull_request_target_checkout", AN_SEV_CRITICAL, st->head_line,
                    "workflow started by a comment or another workflow's run checks out the pull "
                    "request's code while the job holds secrets: untrusted code runs with them",
                    st->priv_trigger, strlen(st->priv_trigger));
    return 0;
}

static int ci_on_file_end(void *ud, const an_file_t *f)
{
    ci_state_t *st = ud;
    int rc;
    (void)f;
    if ((rc = fold_flush(st)) != 0)
        return rc;
    st->deferring = 0;
    if ((rc = remote_flush(st)) != 0)
        return rc;
    return report_head_checkout(st);
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
