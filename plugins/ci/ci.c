/*
 * ci.c: the `ci` analyzer core (rules listed in ci.h): which files are CI
 * files, the line-oriented YAML reader and the visitor.
 *
 * Per line: the indentation and the YAML key (after an optional "- ") decide
 * whether the line opens, continues or ends a script block; script text goes
 * to the script rules (ci_script.c), keys to the line-level rules
 * (ci_rules.c), env: entries to the taint and secret records (ci_expr.c,
 * ci_secret.c). Owns only its per-scan state (ci_state_t, ci_internal.h).
 */
#include "ci.h"

#include <string.h>

#include "an_input.h"
#include "an_text.h"
#include "ci_internal.h"

static const char *const s_script_keys[] = {"run", "script", "before_script", "after_script",
                                            "command"};

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

static size_t key_at(const char *s, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && (an_is_ident((unsigned char)s[k]) || s[k] == '-'))
        k++;
    if (k == i || k >= n || s[k] != ':' || (k + 1 < n && !an_is_space((unsigned char)s[k + 1])))
        return 0;
    return k - i;
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
            return ci_anchor_replay(st, s + v + 1, anchor_name(s, n, v));
        return added ? ci_script_line(st, line, s + v, n - v) : 0;
    }
    ci_taint_record(st, s + k, kl, s + v, n - v);
    if ((rc = ci_secret_var_record(st, s + k, kl, s + v, n - v)) != 0)
        return rc;
    if (key_is(s + k, kl, "id"))
        step_id_record(st, s + v, n - v);
    if (alen && v < n && (s[v] == '|' || s[v] == '>')) {
        ci_anchor_open(st, s + anchor + 1, alen);
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
        return ci_check_uses(st, line, s + v, n - v);
    if (key_is(s + k, kl, "remote") || key_is(s + k, kl, "include") || st->kind == CI_CIRCLECI)
        return ci_check_include(st, line, s + k, kl, k, s + v, n - v);
    if (v < n && (s[v] == '"' || s[v] == '\''))
        v++;   /* permissions: "write-all" */
    if (key_is(s + k, kl, "permissions") && n - v >= 9 && memcmp(s + v, "write-all", 9) == 0)
        return ci_emit(st, "ci.permissions_write_all", AN_SEV_HIGH, line,
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
    return ci_script_line(st, line, s + v, e - v);
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
    return ci_check_uses(st, line, s + u, n - u);
}

static int ci_line(ci_state_t *st, int added, unsigned line, const char *s, size_t n)
{
    size_t ind = an_skip_space(s, n, 0), i = ind, kl, ks = 0;
    int rc = 0;
    ci_track_prt(st, added, line, s, n);
    if (added && an_find(s, n, "toJSON(secrets)") != (size_t)-1 &&
        (rc = ci_emit(st, "ci.secret_echo", AN_SEV_HIGH, line, "all secrets are serialised",
                      s + an_find(s, n, "toJSON(secrets)"), 15)) != 0)
        return rc;
    if (st->jenkins)
        return added ? ci_script_line(st, line, s, n) : 0;
    if (i >= n || s[i] == '#')
        return 0;
    if (st->in_block && (ind > st->block_indent ||
                         (ind == st->block_indent && s[i] == '-' && i + 1 < n && s[i + 1] == ' '))) {
        if (s[i] == '-' && i + 1 < n && s[i + 1] == ' ')
            i += 2;
        return added ? ci_script_line(st, line, s + i, n - i) : 0;
    }
    st->in_block = 0;
    rc = ci_fold_flush(st);
    st->deferring = 0;
    if (rc != 0 || (rc = ci_remote_line_ends(st, s, n, ind)) != 0)
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

static int ci_on_file_end(void *ud, const an_file_t *f)
{
    ci_state_t *st = ud;
    int rc;
    (void)f;
    if ((rc = ci_fold_flush(st)) != 0)
        return rc;
    st->deferring = 0;
    if ((rc = ci_remote_flush(st)) != 0)
        return rc;
    return ci_report_head_checkout(st);
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
