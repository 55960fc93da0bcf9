/*
 * shell.c: the `shell` analyzer core: which files are shell, joining
 * backslash continuations, and the patch visitor (rules in shell_rules.c).
 *
 * Owns its per-scan state (shell_state_t, on the driver's stack) including the
 * continuation buffer; a logical line longer than the buffer keeps its head
 * and its newest lines (see cont_append).
 */
#include "shell.h"

#include <string.h>

#include "an_command.h"
#include "an_input.h"
#include "an_text.h"
#include "shell_compound.h"
#include "shell_heredoc.h"
#include "shell_rules.h"
#include "shell_js.h"
#include "shell_spawn.h"

#define CONT_MAX 4096
#define CONT_HEAD (CONT_MAX / 2)

typedef struct {
    an_emit_fn emit;
    void *ud;
    int shellish;       /* current file is scanned */
    int dockerfile;
    int makefile;       /* recipes: make turns $$ into $ before the shell sees it */
    int powershell;     /* .ps1 / .psm1 (sh_ctx_t.powershell) */
    int embedded;       /* only some lines are shell: EMBED_GO, EMBED_NOTEBOOK */
    int spawner;        /* source of another language: its spawning calls' literals (shell_spawn.h) */
    sh_spawn_t spawn;
    int js;             /* JavaScript/TypeScript: decode-and-run, the environment sent out (shell_js.h) */
    sh_js_t js_names;
    int cmake;          /* CMake: #[[ ... ]] bracket comments are text */
    int bracket;        /* inside a CMake bracket comment: 1 + its number of '=' */
    char cont[CONT_MAX];/* joined continuation lines */
    size_t cont_len;
    unsigned cont_line; /* first line of the pending logical line, 0 none */
    const char *file;
    sh_staged_t staged; /* files this file downloaded or decoded into */
    an_cmd_runs_t runs; /* files the job's commands run as shell scripts (`sh ci/check.txt`, `./x`) */
    an_cmd_runs_t piped;/* files whose output the job's commands hand to a shell (`./gen | sh`) */
    sh_heredoc_t heredoc;  /* a document's here-document being read (shell_heredoc.h) */
    unsigned subst_open;   /* `$(` left open by the lines before (`x=$(` … `)`) */
    int backtick_open;     /* likewise a backtick */
    unsigned last_line;    /* the line before, to see the gaps between hunks */
} shell_state_t;
_Static_assert(sizeof(shell_state_t) <= AN_STATE_MAX, "shell state must fit the driver's buffer");

/* Build files count too: their commands run in the test stage (CMake's
 * execute_process and file(DOWNLOAD), meson's run_command, Gradle's exec,
 * Bazel's genrule cmd, tox's commands, Rake's sh, Cargo's build.rs, Maven's
 * exec plugin, Composer's scripts, a compose file's command, a systemd unit's
 * ExecStart). */
static const char *const s_exts[] = {"sh", "bash", "zsh", "ksh", "bats", "mk", "envrc",
                                     "dockerfile", "command", "tool", "cmake", "gradle", "bzl",
                                     "ps1", "psm1", "rake", "service", "socket"};
static const char *const s_bases[] = {
    "Makefile", "makefile", "GNUmakefile", "Containerfile", "Jenkinsfile", "Vagrantfile",
    "Justfile", "justfile", ".justfile", "package.json", ".gitlab-ci.yml", ".travis.yml",
    "azure-pipelines.yml", "bitbucket-pipelines.yml", ".drone.yml", ".bashrc", ".profile",
    ".bash_profile", ".zshrc", ".envrc", "Procfile", "Taskfile.yml", "cloudbuild.yaml",
    "CMakeLists.txt", "meson.build", "build.gradle.kts", "settings.gradle.kts", "BUILD", "BUILD.bazel",
    "WORKSPACE", "tox.ini", "Earthfile", "configure.ac", "pyproject.toml", "Rakefile", "build.rs",
    "pom.xml", "composer.json", "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml",
};

/* Files of which only some lines run as shell: Go's `//go:generate CMD`
 * (run by `go generate`), a notebook's `!CMD` lines (run by Jupyter). */
enum { EMBED_NONE = 0, EMBED_GO, EMBED_NOTEBOOK };

static int embedded_kind(const char *path)
{
    const char *ext = an_path_ext(path);
    return !strcmp(ext, "go") ? EMBED_GO : !strcmp(ext, "ipynb") ? EMBED_NOTEBOOK : EMBED_NONE;
}

/* The shell command embedded in line s, or NULL: *n is its length. */
static const char *embedded_command(int kind, const char *s, size_t *n)
{
    size_t i = an_skip_space(s, *n, 0);
    if (kind == EMBED_GO && *n - i > 14 && memcmp(s + i, "//go:generate ", 14) == 0) {
        *n -= i + 14;
        return s + i + 14;
    }
    if (kind == EMBED_NOTEBOOK && *n - i > 2 && s[i] == '"' && s[i + 1] == '!') {
        size_t e = *n;   /* "!cmd\n", -> cmd */
        while (e > i + 2 && (s[e - 1] == ',' || s[e - 1] == '"' || an_is_space((unsigned char)s[e - 1])))
            e--;
        if (e >= i + 4 && s[e - 2] == '\\' && s[e - 1] == 'n')
            e -= 2;
        *n = e - i - 2;
        return s + i + 2;
    }
    return NULL;
}
static const char *const s_dirs[] = {".github/workflows/", ".circleci/", ".husky/",
                                     ".githooks/", ".git/hooks/", "debian/"};

static int is_makefile(const char *path)
{
    const char *base = an_path_base(path), *ext = an_path_ext(path);
    return !strcmp(base, "Makefile") || !strcmp(base, "makefile") || !strcmp(base, "GNUmakefile") ||
           !strcmp(ext, "mk") || !strncmp(base, "Makefile.", 9) || !strncmp(base, "makefile.", 9);
}

static int is_dockerfile(const char *base)
{
    size_t n = strlen(base);
    return strncmp(base, "Dockerfile", 10) == 0 || strcmp(base, "Containerfile") == 0 ||
           (n > 11 && strcmp(base + n - 11, ".dockerfile") == 0);
}

int shell_path_is_shellish(const char *path)
{
    const char *base = an_path_base(path), *ext = an_path_ext(path);
    if (AN_STR_IN(ext, s_exts) || AN_STR_IN(base, s_bases))
        return 1;
    for (size_t i = 0; i < sizeof s_dirs / sizeof s_dirs[0]; i++) {
        const char *d = strstr(path, s_dirs[i]);
        if (d && (d == path || d[-1] == '/'))
            return 1;
    }
    return is_dockerfile(base) || is_makefile(path);
}

static int shebang_is_shell(const char *s, size_t n)
{
    static const char *const shells[] = {"sh", "bash", "zsh", "ksh", "dash", "ash"};
    const char *last = NULL;
    size_t i = 2, m;
    if (n < 3 || s[0] != '#' || s[1] != '!')
        return 0;
    while (i < n && (an_is_space((unsigned char)s[i]) || s[i] == '/' || an_is_ident((unsigned char)s[i]) ||
                     s[i] == '.' || s[i] == '-')) {
        if (s[i] == '/' || (s[i] == ' ' && i + 1 < n && s[i + 1] != '-'))
            last = s + i + 1;
        i++;
    }
    if (!last)
        return 0;
    m = 0;
    while (last + m < s + n && an_is_ident((unsigned char)last[m]))
        m++;
    for (size_t k = 0; k < sizeof shells / sizeof shells[0]; k++)
        if (strlen(shells[k]) == m && memcmp(shells[k], last, m) == 0)
            return 1;
    return 0;
}

/* A Makefile line as the shell receives it: make turns "$$" into "$", and
 * $(SHELL) or ${SHELL} into the shell the recipes run with ($SHELL here). */
static size_t make_unescape(const char *s, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < size; i++) {
        if (s[i] == '$' && i + 7 < n && (s[i + 1] == '(' || s[i + 1] == '{') &&
            memcmp(s + i + 2, "SHELL", 5) == 0 && s[i + 7] == (s[i + 1] == '(' ? ')' : '}') && o + 6 <= size) {
            memcpy(out + o, "$SHELL", 6);   /* make's $(SHELL): the recipes' shell */
            o += 6;
            i += 7;
            continue;
        }
        out[o++] = s[i];
        if (s[i] == '$' && i + 1 < n && s[i + 1] == '$')
            i++;
    }
    return o;
}

/* A Dockerfile's exec form, `RUN ["/bin/sh", "/install.sh"]`, as the words
 * it runs (`RUN /bin/sh /install.sh`); 0 when s is not one. */
static size_t docker_exec_form(const char *s, size_t n, char *out, size_t size)
{
    static const char *const instrs[] = {"RUN", "CMD", "ENTRYPOINT"};
    size_t i = an_skip_space(s, n, 0), o = 0;
    for (size_t k = 0; k < sizeof instrs / sizeof instrs[0]; k++) {
        size_t m = strlen(instrs[k]);
        if (n - i > m && !strncmp(s + i, instrs[k], m) && an_is_space((unsigned char)s[i + m])) {
            size_t j = an_skip_space(s, n, i + m);
            if (j >= n || s[j] != '[' || n - i > size)
                return 0;
            memcpy(out, s + i, m);
            o = m;
            for (; j < n && o < size; j++)
                if (s[j] != '[' && s[j] != ']' && s[j] != '"')
                    out[o++] = s[j] == ',' ? ' ' : s[j];
            return o;
        }
    }
    return 0;
}

static int scan_logical(shell_state_t *st, unsigned lineno, const char *s, size_t n)
{
    char buf[CONT_MAX];
    sh_ctx_t c;
    size_t exec_form;
    if (st->dockerfile && n <= sizeof buf && memchr(s, '[', n) && (exec_form = docker_exec_form(s, n, buf, sizeof buf))) {
        n = exec_form;
        s = buf;
    }
    if (st->makefile && n <= sizeof buf && (memmem(s, n, "$$", 2) || memmem(s, n, "SHELL", 5))) {
        n = make_unescape(s, n, buf, sizeof buf);
        s = buf;
    }
    memset(&c, 0, sizeof c);
    c.emit = st->emit;
    c.ud = st->ud;
    c.file = st->file;
    c.line = lineno;
    c.text = s;
    c.len = n;
    c.dockerfile = st->dockerfile;
    c.powershell = st->powershell;
    c.makefile = st->makefile;
    c.staged = &st->staged;
    return sh_rules_line(&c);
}

static int cont_flush(shell_state_t *st)
{
    int rc = 0;
    if (st->cont_line)
        rc = scan_logical(st, st->cont_line, st->cont, st->cont_len);
    st->cont_len = 0;
    st->cont_line = 0;
    return rc;
}

/* Appends a physical line to the pending logical line (joined by a space).
 * When the buffer is full, the middle is dropped: the head (where the
 * command starts) stays and the newest line follows it, so padding a
 * continued command with lines cannot separate `curl` from `| sh`. */
static int cont_append(shell_state_t *st, unsigned lineno, const char *s, size_t n)
{
    if (!st->cont_line)
        st->cont_line = lineno ? lineno : 1;
    if (st->cont_len + n + 1 > sizeof st->cont && st->cont_len > CONT_HEAD)
        st->cont_len = CONT_HEAD;
    if (n > sizeof st->cont - st->cont_len - 1)
        n = sizeof st->cont - st->cont_len - 1;
    memcpy(st->cont + st->cont_len, s, n);
    st->cont_len += n;
    st->cont[st->cont_len++] = ' ';
    return 0;
}

/* A line the shell reads on from: it ends in `|`, `||` or `&&`. Not when the
 * line holds a `#`: joined, the next line could end up inside a comment. */
static int ends_in_operator(const char *s, size_t t)
{
    return t > 0 && (s[t - 1] == '|' || (t >= 2 && s[t - 1] == '&' && s[t - 2] == '&')) && !memchr(s, '#', t);
}

static int is_cmake(const char *path)
{
    return !strcmp(an_path_base(path), "CMakeLists.txt") || !strcmp(an_path_ext(path), "cmake");
}

/* `]]`, `]=]`, ... closing a bracket of `eq` '=' in s. */
static int bracket_closes(const char *s, size_t n, int eq)
{
    for (size_t i = 0; i + (size_t)eq + 1 < n; i++) {
        size_t k = i + 1;
        if (s[i] != ']')
            continue;
        while (k < n && s[k] == '=')
            k++;
        if (k < n && s[k] == ']' && (int)(k - i - 1) == eq)
            return 1;
    }
    return 0;
}

/* CMake's bracket comments (`#[[`, `#[==[` ... `]==]`) hold documentation,
 * often reStructuredText whose ``curl`` the shell lexer would take for a
 * command. Whether line s is inside one (and so is text); moves the state. */
static int cmake_comment_line(shell_state_t *st, const char *s, size_t n)
{
    if (st->bracket) {
        if (bracket_closes(s, n, st->bracket - 1))
            st->bracket = 0;
        return 1;
    }
    for (size_t i = 0; i + 2 < n; i++) {
        size_t k = i + 2;
        if (s[i] != '#' || s[i + 1] != '[')
            continue;
        while (k < n && s[k] == '=')
            k++;
        if (k < n && s[k] == '[' && !bracket_closes(s + k, n - k, (int)(k - i - 2)))
            st->bracket = (int)(k - i - 2) + 1;
        return 0;   /* the line before the comment is code */
    }
    return 0;
}

static int count_finding(void *ud, const an_finding_t *f)
{
    (void)f;
    (*(unsigned *)ud)++;
    return 0;
}

/* A line of a text here-document (a document's, or printed): scanned for
 * nothing but whether it would have been a finding, with the file's memory
 * left as it was; if so, the document or the printed output is remembered as
 * code (running it later, or piping it into a runner, reports). A line the
 * body's expansion runs (`$(…)` under an unquoted delimiter) is scanned. */
static int doc_body_line(shell_state_t *st, unsigned lineno, const char *s, size_t n)
{
    sh_staged_t saved;
    an_emit_fn emit = st->emit;
    void *ud = st->ud;
    unsigned found = 0;
    int rc;
    if (sh_heredoc_ends(&st->heredoc, s, n)) {
        st->heredoc.open = 0;
        return 0;
    }
    if (sh_heredoc_line_expands(&st->heredoc, s, n))
        return scan_logical(st, lineno, s, n);
    saved = st->staged;
    st->emit = count_finding;
    st->ud = &found;
    rc = scan_logical(st, lineno, s, n);
    st->emit = emit;
    st->ud = ud;
    st->staged = saved;
    if (found && !st->heredoc.dangerous) {
        st->heredoc.dangerous = 1;
        if (st->heredoc.printed)
            sh_compound_printed(&st->staged.cmp);
        else
            sh_staged_file(&st->staged, st->heredoc.target, st->heredoc.target_len);
    }
    return rc;
}

/* Notes the command substitutions line s leaves open: `x=$(` or `eval "$(`
 * on one line and the `cat <<EOF` printing into it on the next. Inside one,
 * parentheses nest; a `)` never closes below none (a case pattern's `)` may
 * close early: the error is on the side of text). */
static void subst_track(shell_state_t *st, const char *s, size_t n)
{
    if (!memchr(s, '(', n) && !memchr(s, '`', n) && (!st->subst_open || !memchr(s, ')', n)))
        return;   /* most lines: nothing opens or closes (memchr passes over them fast) */
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '(' && (st->subst_open || (i > 0 && s[i - 1] == '$')))
            st->subst_open++;
        else if (s[i] == ')' && st->subst_open)
            st->subst_open--;
        else if (s[i] == '`' && (i == 0 || s[i - 1] != '\\'))
            st->backtick_open = !st->backtick_open;
    }
}

/* Whether line s opens a here-document whose body is text (shell_heredoc.h);
 * one printed into a substitution (`x=$(` on the line before), or by a file
 * whose output a job command hands to a shell (note_piped), is code. */
static int text_heredoc_opens(shell_state_t *st, const char *s, size_t n)
{
    if (!sh_heredoc_opens(&st->heredoc, s, n))
        return 0;
    if (st->heredoc.printed && (st->subst_open || st->backtick_open || an_cmd_runs_has(&st->piped, st->file)))
        st->heredoc.open = 0;   /* printed into a substitution, or by a file the job pipes into a shell */
    return st->heredoc.open;
}

static int shell_line(shell_state_t *st, unsigned lineno, const char *s, size_t n)
{
    size_t t = n;
    int rc;
    if (st->heredoc.open)
        return doc_body_line(st, lineno, s, n);
    if (!st->cont_line && text_heredoc_opens(st, s, n))
        return scan_logical(st, lineno, s, n);
    subst_track(st, s, n);
    while (t > 0 && an_is_space((unsigned char)s[t - 1]))
        t--;
    if (t > 0 && s[t - 1] == '\\')
        return cont_append(st, lineno, s, t - 1);
    if (ends_in_operator(s, t))
        return cont_append(st, lineno, s, t);
    if (!st->cont_line)
        return scan_logical(st, lineno, s, n);
    rc = cont_append(st, lineno, s, n);
    return rc ? rc : cont_flush(st);
}

/* The path-like words of s[b, e) (a '/' in them, or a .sh name; `./` dropped)
 * into runs. */
static void add_paths(an_cmd_runs_t *runs, const char *s, size_t b, size_t e)
{
    size_t i = b;
    while (i < e) {
        while (i < e && (an_is_space((unsigned char)s[i]) || s[i] == '"' || s[i] == '\''))
            i++;
        size_t w = i;
        while (i < e && !an_is_space((unsigned char)s[i]) && s[i] != '"' && s[i] != '\'' && s[i] != ')')
            i++;
        size_t m = i - w;
        if (m > 2 && s[w] == '.' && s[w + 1] == '/')
            w += 2, m -= 2;
        if (m > 0 && s[w] != '-' && !memchr(s + w, '$', m) && !memchr(s + w, '=', m) &&
            (memchr(s + w, '/', m) || (m > 3 && memcmp(s + w + m - 3, ".sh", 3) == 0)))
            an_cmd_runs_add(runs, s + w, m);
        if (i < e)
            i++;
    }
}

/* Whether the word at s[i] names a shell (`| sh`, `| bash -s`). */
static int shell_word_at(const char *s, size_t n, size_t i)
{
    static const char *const shells[] = {"sh", "bash", "dash", "zsh", "ksh", "ash"};
    for (size_t k = 0; k < sizeof shells / sizeof shells[0]; k++) {
        size_t m = strlen(shells[k]);
        if (i + m <= n && memcmp(s + i, shells[k], m) == 0 && (i + m == n || !an_is_ident((unsigned char)s[i + m])))
            return 1;
    }
    return 0;
}

/* `./gen.sh | sh`, `eval "$(tools/env.sh)"`, `bash <(./gen)`, `sh -c "`x/y`"`:
 * the files whose output a job command hands to a shell. What they print is
 * code, here-documents too (text_heredoc_opens). A substitution counts
 * wherever it stands: the error is on the side of code. */
static void note_piped(an_cmd_runs_t *piped, const char *s, size_t n)
{
    size_t seg = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '|' && i + 1 < n && s[i + 1] == '|') {
            seg = ++i + 1;
        } else if (s[i] == '|') {
            if (shell_word_at(s, n, an_skip_space(s, n, i + 1)))
                add_paths(piped, s, seg, i);
            seg = i + 1;
        } else if (s[i] == ';' || s[i] == '&') {
            seg = i + 1;
        } else if ((s[i] == '$' || s[i] == '<') && i + 1 < n && s[i + 1] == '(') {
            const char *close = memchr(s + i + 2, ')', n - i - 2);
            add_paths(piped, s, i + 2, close ? (size_t)(close - s) : n);
        } else if (s[i] == '`') {
            const char *close = memchr(s + i + 1, '`', n - i - 1);
            add_paths(piped, s, i + 1, close ? (size_t)(close - s) : n);
            i = close ? (size_t)(close - s) : n;
        }
    }
}

/* `sh F`, `bash -x F`, `. F`, `source F`, `./F`: F is read as shell. */
static void shell_note_command(void *state, const char *text, size_t len)
{
    static const char *const shells[] = {"sh", "bash", "dash", "zsh", "ksh", "ash", "source", "."};
    shell_state_t *st = state;
    an_cmd_targets(text, len, shells, sizeof shells / sizeof shells[0], 1, an_cmd_runs_add, &st->runs);
    note_piped(&st->piped, text, len);
}

static void shell_begin(void *state, an_emit_fn emit, void *ud)
{
    shell_state_t *st = state;
    st->emit = emit;
    st->ud = ud;
    st->shellish = st->dockerfile = st->makefile = st->powershell = st->embedded = st->cmake = st->bracket = 0;
    st->spawner = st->js = 0;
    memset(&st->spawn, 0, sizeof st->spawn);
    memset(&st->js_names, 0, sizeof st->js_names);
    st->runs.n = 0;
    st->piped.n = 0;
    st->cont_len = 0;
    st->cont_line = 0;
    st->file = "";
    memset(&st->staged, 0, sizeof st->staged);
    memset(&st->heredoc, 0, sizeof st->heredoc);
    st->subst_open = 0;
    st->backtick_open = 0;
    st->last_line = 0;
}

static int shell_on_file(void *ud, const an_file_t *f)
{
    shell_state_t *st = ud;
    const char *path = an_file_path(f);
    st->file = path;
    st->embedded = EMBED_NONE;
    st->shellish = !(f->flags & (AN_FILE_DELETED | AN_FILE_BINARY)) &&
                   (shell_path_is_shellish(path) || an_cmd_runs_has(&st->runs, path));
    if (!st->shellish && !(f->flags & (AN_FILE_DELETED | AN_FILE_BINARY))) {
        st->embedded = embedded_kind(path);
        st->spawner = shell_spawn_file(path);
        st->js = shell_js_file(path);
    } else {
        st->spawner = st->js = 0;
    }
    memset(&st->js_names, 0, sizeof st->js_names);
    memset(&st->spawn, 0, sizeof st->spawn);
    st->dockerfile = is_dockerfile(an_path_base(path));
    st->makefile = is_makefile(path);
    st->powershell = !strcmp(an_path_ext(path), "ps1") || !strcmp(an_path_ext(path), "psm1");
    st->cmake = is_cmake(path);
    st->bracket = 0;
    st->cont_len = 0;
    st->cont_line = 0;
    memset(&st->staged, 0, sizeof st->staged);
    memset(&st->heredoc, 0, sizeof st->heredoc);
    st->subst_open = 0;
    st->backtick_open = 0;
    st->last_line = 0;
    return 0;
}

typedef struct {
    shell_state_t *st;
    unsigned lineno;
} spawn_ctx_t;

/* A literal handed to a spawning call, scanned as a command. */
static int spawn_literal(void *ctx, const char *lit, size_t len)
{
    spawn_ctx_t *c = ctx;
    return scan_logical(c->st, c->lineno, lit, len);
}

static int shell_on_line(void *ud, const an_file_t *f, an_line_kind_t kind, unsigned lineno,
                         const char *text, size_t len)
{
    shell_state_t *st = ud;
    st->file = an_file_path(f);
    if (kind == AN_LINE_REMOVED)
        return st->cont_line ? cont_flush(st) : 0;
    if (lineno != st->last_line + 1) {   /* lines between hunks are unknown */
        st->heredoc.open = st->bracket = st->backtick_open = 0;
        st->subst_open = 0;
        st->spawn.depth = 0;   /* the aliases stay: imports come first */
    }
    st->last_line = lineno;
    if (st->cmake && st->shellish && cmake_comment_line(st, text, len))
        return st->cont_line ? cont_flush(st) : 0;
    if (kind != AN_LINE_ADDED) {
        int rc = st->cont_line ? cont_flush(st) : 0;
        if (!st->shellish && st->spawner)   /* a call the context opens takes the added lines' literals */
            shell_spawn_line(&st->spawn, text, len, NULL, NULL);
        if (!st->shellish && st->js)   /* names declared in the context */
            shell_js_line(&st->js_names, text, len, 0, st->emit, st->ud, st->file, lineno);
        if (st->heredoc.open) {
            st->heredoc.open = !sh_heredoc_ends(&st->heredoc, text, len);
        } else if (st->shellish) {
            if (!text_heredoc_opens(st, text, len))
                subst_track(st, text, len);
        }
        return rc;
    }
    if (!st->shellish && lineno == 1 && !(f->flags & AN_FILE_BINARY) &&
        shebang_is_shell(text, len))
        st->shellish = 1;
    if (!st->shellish && st->embedded) {
        size_t n = len;
        const char *cmd = embedded_command(st->embedded, text, &n);
        if (cmd)
            return scan_logical(st, lineno, cmd, n);
    }
    if (!st->shellish && st->js) {
        int rc = shell_js_line(&st->js_names, text, len, 1, st->emit, st->ud, st->file, lineno);
        if (rc)
            return rc;
    }
    if (!st->shellish && st->spawner) {
        spawn_ctx_t c = { st, lineno };
        return shell_spawn_line(&st->spawn, text, len, spawn_literal, &c);
    }
    return st->shellish ? shell_line(st, lineno, text, len) : 0;
}

static int shell_on_file_end(void *ud, const an_file_t *f)
{
    (void)f;
    return cont_flush(ud);
}

int shell_scan_command_staged(const char *cmd, size_t len, const char *label, an_emit_fn emit, void *ud,
                              sh_staged_t *staged)
{
    shell_state_t st;
    int rc = 0;
    size_t t = len;
    while (t > 0 && (cmd[t - 1] == '\n' || cmd[t - 1] == '\r'))
        t--;
    shell_begin(&st, emit, ud);
    st.shellish = 1;
    st.file = label ? label : "<job>";
    if (staged)
        st.staged = *staged;
    if (!memchr(cmd, '\n', t)) {
        rc = scan_logical(&st, 0, cmd, t);
    } else {
        /* a script: line by line as in a shell file, continuations joined */
        for (size_t i = 0, lineno = 1; rc == 0 && i < t; lineno++) {
            const char *nl = memchr(cmd + i, '\n', t - i);
            size_t n = nl ? (size_t)(nl - cmd) - i : t - i;
            rc = shell_line(&st, (unsigned)lineno, cmd + i, n);
            i += n + 1;
        }
        rc = rc ? rc : cont_flush(&st);
    }
    if (staged)
        *staged = st.staged;
    return rc;
}

int shell_scan_command(const char *cmd, size_t len, const char *label, an_emit_fn emit, void *ud)
{
    return shell_scan_command_staged(cmd, len, label, emit, ud, NULL);
}

static const an_patch_visitor_t s_visitor = {
    .on_file = shell_on_file,
    .on_line = shell_on_line,
    .on_file_end = shell_on_file_end,
};

const an_analyzer_t shell_analyzer = {
    .name = "shell",
    .version = "1.0.0",
    .state_size = sizeof(shell_state_t),
    .begin = shell_begin,
    .visitor = &s_visitor,
    .command = shell_scan_command,
    .note_command = shell_note_command,
};
