/*
 * python.c: the `python` analyzer core (rules listed in python.h): which
 * files are Python, the line scanner and the patch visitor.
 *
 * One pass per added line with a tiny lexer that skips strings and comments
 * and remembers an open triple-quoted string across lines. Each name is
 * handed on: a call to python_calls.c, shell=True to python_shell.c, a name
 * inside a followed yaml.load call to python_yaml.c; import lines to
 * python_imports.c and python_sources.c. Names that mark a download, a
 * reverse shell or shellcode are collected per file here. Owns the per-scan
 * state (python_state_t, python_internal.h).
 */
#include "python.h"
#include "python_indirect.h"
#include "python_internal.h"
#include "python_notebook.h"
#include "python_sources.h"

#include <string.h>
#include <strings.h>

#include "an_command.h"
#include "an_input.h"
#include "an_text.h"

#define SIG_MAX_LINES 40

#define MSG_RUNS_FETCHED "runs a file a download wrote earlier in this file"
#define MSG_SHELLCODE "runs machine code: executable memory (PROT_EXEC) called through a ctypes function pointer"
/* Shellcode marks: memory mapped executable, a ctypes function pointer made. */
#define SC_EXEC_MEM 1u
#define SC_FUNC_PTR 2u
#define SC_ALL 3u
#define MSG_REVSHELL "a reverse shell: a socket connected, duplicated onto stdin/stdout, and a shell spawned"

/* Names that mark a download written to a file or a reverse shell's parts;
 * the line's text is looked at only when one of them occurs (the hot path
 * stays the name scan). */
typedef enum { MARK_NONE, MARK_FETCH, MARK_EXEC_MEM, MARK_FUNC_PTR, MARK_REVSHELL, MARK_SUBPROCESS } mark_t;

/* What the last part of a name marks; the switch on its length keeps the
 * common names to one comparison. */
static mark_t mark_of(const char *t, size_t tl)
{
#define IS(w) (memcmp(t, w, tl) == 0)
    switch (tl) {
    case 3: return IS("run") ? MARK_REVSHELL : MARK_NONE;
    case 4: return IS("dup2") || IS("call") || IS("recv") ? MARK_REVSHELL : MARK_NONE;
    case 5: return IS("write") ? MARK_FETCH : IS("spawn") || IS("Popen") ? MARK_REVSHELL : MARK_NONE;
    case 7: return IS("connect") ? MARK_REVSHELL : MARK_NONE;
    case 8: return IS("readline") ? MARK_REVSHELL : MARK_NONE;
    case 9: return IS("PROT_EXEC") ? MARK_EXEC_MEM : IS("CFUNCTYPE") ? MARK_FUNC_PTR : MARK_NONE;
    case 10: return IS("check_call") ? MARK_SUBPROCESS : MARK_NONE;
    case 12: return IS("check_output") ? MARK_SUBPROCESS : MARK_NONE;
    case 11: return IS("urlretrieve") ? MARK_FETCH : MARK_NONE;
    case 15: return IS("open_connection") ? MARK_REVSHELL : MARK_NONE;
    case 17: return IS("create_connection") ? MARK_REVSHELL : MARK_NONE;
    case 22: return IS("PAGE_EXECUTE_READWRITE") ? MARK_EXEC_MEM
                    : IS("create_subprocess_exec") ? MARK_REVSHELL : MARK_NONE;
    default: return MARK_NONE;
    }
#undef IS
}

static void note_name(python_state_t *st, const char *s, size_t n, size_t i, size_t len)
{
    const char *dot = memrchr(s + i, '.', len);
    const char *t = dot ? dot + 1 : s + i;
    size_t tl = len - (size_t)(t - (s + i));
    if (st->quiet)
        return;
    switch (mark_of(t, tl)) {
    case MARK_FETCH:
        py_fetched_file(s, n, st->fetched, sizeof st->fetched);
        py_read_origin_forget_line(st, s, n);
        break;
    case MARK_EXEC_MEM: st->shellcode |= SC_EXEC_MEM; break;
    case MARK_FUNC_PTR: st->shellcode |= SC_FUNC_PTR; break;
    case MARK_REVSHELL:   /* run, call, Popen … also start a process */
        st->revshell |= py_revshell_marks(s, n);
        st->line_subprocess = 1;
        break;
    case MARK_SUBPROCESS: st->line_subprocess = 1; break;
    default: break;
    }
}

/* A dotted name at s[i]: calls, shell=True and the yaml loader names. */
static int on_name(python_state_t *st, unsigned line, const char *s, size_t n, size_t i, size_t len)
{
    size_t j = an_skip_space(s, n, i + len);
    const call_rule_t *r;
    if (st->yaml_open)
        py_yaml_loader_name(st, s + i, len);
    note_name(st, s, n, i, len);
    if ((i + len < n && (s[i + len] == '(' || s[i + len] == ' ' || s[i + len] == '\t')) || (len >= 10 && s[i] == 'o'))
        py_exfil_name(st, s, n, i, len);   /* a call (`x.post (…)` too), or maybe os.environ */
    if (len == 5 && memcmp(s + i, "shell", 5) == 0 && j < n && s[j] == '=' && (j + 1 >= n || s[j + 1] != '='))
        return py_shell_keyword(st, line, s, n, i, an_skip_space(s, n, j + 1));
    if (j < n && s[j] == '(' && len <= MAX_NAME)
        return py_call_at(st, line, s, n, i, len, j);
    if (len == 4 && (i == 0 || s[i - 1] != '.') && py_callable_value(s, n, i, len))
        return py_callable_handed(st, line, s, n, i, len, py_call_lookup(s + i, len));
    if ((r = py_shell_function_value(s, n, i, len)) != NULL)
        return py_callable_handed(st, line, s, n, i, len, r);
    return 0;
}

/* Byte classes of the line scan: 1 starts a name, 2 quote, 3 '#', 4 paren,
 * 5 a digit (continues names, starts nothing). */
static const unsigned char s_pyclass[256] = {
    ['\''] = 2, ['"'] = 2, ['#'] = 3, ['('] = 4, [')'] = 4,
    ['0'] = 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    ['A'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['_'] = 1,
    ['a'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Per added line: a dangerous function called by subscript
 * (`__builtins__.__dict__["exec"](…)`), a downloaded file run. */
static int indirect_line(python_state_t *st, unsigned line, const char *s, size_t n)
{
    size_t at;
    if (st->quiet)
        return 0;
    switch (py_subscript_call(s, n, &at)) {
    case PY_IND_EXEC: return emit_rule(st, "python.eval_exec", AN_SEV_HIGH, MSG_EVAL, line, s + at, n - at);
    case PY_IND_SYSTEM: return emit_rule(st, "python.os_system", AN_SEV_HIGH, MSG_SYS, line, s + at, n - at);
    default: break;
    }
    if (st->fetched[0] && py_runs_file(s, n, st->fetched))
        return emit_rule(st, "python.eval_exec", AN_SEV_HIGH, MSG_RUNS_FETCHED, line, s, n);
    return 0;
}

/* `def f(` / `async def f(` at s[i] (after the indentation): a signature
 * starts on this line. */
static int def_line(const char *s, size_t n, size_t i)
{
    if (i < n && s[i] != 'd' && s[i] != 'a')
        return 0;
    if (i + 6 <= n && memcmp(s + i, "async ", 6) == 0)
        i = an_skip_space(s, n, i + 6);
    return i + 4 <= n && memcmp(s + i, "def ", 4) == 0;
}

/* A def's signature ends where its parenthesis closes (or, should the count
 * go wrong, after SIG_MAX_LINES lines). */
static void sig_paren(python_state_t *st, char c)
{
    if (c == '(')
        st->sig_depth++;
    else if (st->sig_depth > 0 && --st->sig_depth == 0)
        st->sig_open = 0;
}

static void sig_begin(python_state_t *st, const char *s, size_t n, size_t indent)
{
    if (def_line(s, n, indent)) {
        st->shell_default = 0;   /* a default belongs to the function being defined */
        st->sig_open = 1;
        st->sig_depth = 0;
        st->sig_lines = 0;
    } else if (st->sig_open && ++st->sig_lines > SIG_MAX_LINES) {
        st->sig_open = 0;
    }
}

/* A call left open at the end of a line (`Popen(cmd,` … `shell=True)`): if
 * its opening line starts a process (run, call, Popen, check_output …), its
 * lines are remembered as one fact, whether any of them holds outside data
 * or a command that fetches and runs code, for a shell=True on a later line
 * (python_shell.c). Called at each line's start, before its parentheses;
 * other open calls cost a counter. */
static void open_call_line(python_state_t *st, const char *s, size_t n)
{
    st->line_subprocess = 0;
    if (st->depth == 0) {
        st->call_src = 0;
        st->call_lines = 0;
        st->call_tracked = 0;
        return;
    }
    if (st->call_lines == 0) {   /* the line that opened it ended the previous line */
        st->call_src = st->call_src_pending;
        st->call_tracked = st->call_tracked_pending;
    }
    st->call_lines++;
    if (st->call_tracked && !st->call_src && (py_sources_in(&st->src, s, n) || py_literal_runs_unseen(s, n)))
        st->call_src = 1;
}

static int scan_line(python_state_t *st, unsigned line, const char *s, size_t n)
{
    size_t i = 0, q;
    /* where the statement starts; n inside an open triple-quoted string */
    size_t indent = st->triple ? n : an_skip_space(s, n, 0);
    int rc = 0;
    unsigned had_revshell = st->revshell, had_shellcode = st->shellcode;
    int binds = !st->triple && (memchr(s, '=', n) || (n > 4 && memmem(s, n, " as ", 4)));
    if (!st->triple && (binds || st->n_repo))
        py_read_origin_note_line(st, s, n);   /* first: it asks about the names' earlier bindings */
    if (binds)
        py_sources_note_assignment(&st->src, s, n);
    if (n > 12 && indent < n && s[indent] == 'f')
        py_imports_note(st, s, n);
    else if (n > 10 && indent < n && s[indent] == 'i') {
        if (n > 12)
            py_sources_note_module_alias(&st->src, s, n);
        py_yaml_note_import(st, s, n, indent);
    }
    if (st->triple) {
        char q3[3] = {st->triple, st->triple, st->triple};
        const char *e = memmem(s, n, q3, 3);
        if (!e)
            return 0;
        st->triple = 0;
        i = (size_t)(e - s) + 3;
    }
    sig_begin(st, s, n, indent);
    open_call_line(st, s, n);
    if ((rc = py_yaml_line(st)) != 0)
        return rc;
    if ((rc = indirect_line(st, line, s, n)) != 0)
        return rc;
    while (rc == 0 && i < n) {
        unsigned char c = (unsigned char)s[i], k = s_pyclass[c];
        if (k == 0 || k == 5 || (k == 4 && !st->yaml_open && !st->sig_open)) {
            if (k == 4)
                st->depth = c == '(' ? st->depth + 1 : st->depth ? st->depth - 1 : 0;
            i++;
            continue;
        }
        if (k == 3)
            break;
        if (k == 2) {
            if ((rc = py_shell_at_quote(st, line, s, n, i)) != 0)
                break;
            size_t lit = i;
            i = py_skip_string(s, n, i, &st->triple);
            if (i - lit >= 8)
                py_exfil_literal(st, s + lit, i - lit);
        } else if (k == 1 && (i == 0 || !name_char((unsigned char)s[i - 1]) ||
                              (i >= 2 && s[i - 1] == '.' && (s[i - 2] == ')' || s[i - 2] == ']')))) {
            /* a name, or a method of a call's result: __import__("os").system(cmd) */
            size_t len = 0;
            if ((q = py_prefix_quote(s, n, i)) != 0) {
                i = py_skip_string(s, n, q, &st->triple);
                if (i - q >= 8)
                    py_exfil_literal(st, s + q, i - q);
                continue;
            }
            while (i + len < n && name_char((unsigned char)s[i + len]))
                len++;
            rc = on_name(st, line, s, n, i, len);
            i += len;
        } else {
            if (c == '(' || c == ')')
                st->depth = c == '(' ? st->depth + 1 : st->depth ? st->depth - 1 : 0;
            if (st->sig_open && (c == '(' || c == ')'))
                sig_paren(st, (char)c);
            if (st->yaml_open && (c == '(' || c == ')'))
                rc = py_yaml_paren(st, (char)c);
            i++;
        }
    }
    if (st->depth > 0 && st->call_lines == 0) {   /* this line opens a call it does not close */
        st->call_tracked_pending = st->line_subprocess;
        st->call_src_pending = st->line_subprocess && (py_sources_in(&st->src, s, n) || py_literal_runs_unseen(s, n));
    }
    if (rc == 0 && st->revshell != had_revshell && py_revshell_complete(st->revshell) &&
        !py_revshell_complete(had_revshell))
        rc = emit_rule(st, "python.reverse_shell", AN_SEV_CRITICAL, MSG_REVSHELL, line, s, n);
    if (rc == 0 && st->shellcode == SC_ALL && had_shellcode != SC_ALL)
        rc = emit_rule(st, "python.eval_exec", AN_SEV_HIGH, MSG_SHELLCODE, line, s, n);
    return rc;
}

static int path_is_python(const char *path)
{
    const char *ext = an_path_ext(path);
    const char *base = an_path_base(path);
    /* SCons runs SConstruct and SConscript files as Python */
    return strcmp(ext, "py") == 0 || strcmp(ext, "pyw") == 0 || strcasecmp(base, "SConstruct") == 0 ||
           strcasecmp(base, "SConscript") == 0;
}

/* site.py runs the lines of a .pth file that start with `import ` (at every
 * interpreter start); the other lines are paths. */
static int pth_runs(const char *s, size_t n)
{
    return n > 7 && memcmp(s, "import", 6) == 0 && (s[6] == ' ' || s[6] == '\t');
}

/* A decoded line of a notebook's code cell, scanned at its JSON line. */
static int notebook_code(void *ud, const char *code, size_t len)
{
    python_state_t *st = ud;
    return scan_line(st, st->nb_line, code, len);
}

static int shebang_python(const char *s, size_t n)
{
    size_t nl = n < 128 ? n : 128;
    return n > 2 && s[0] == '#' && s[1] == '!' && an_find(s, nl, "python") != (size_t)-1;
}

/* `python3 F`, `python -u F`: F is read as Python whatever its name. */
static void python_note_command(void *state, const char *text, size_t len)
{
    static const char *const pythons[] = {"python", "python2", "python3", "pypy", "pypy3"};
    an_cmd_targets(text, len, pythons, sizeof pythons / sizeof pythons[0], 0, an_cmd_runs_add,
                   &((python_state_t *)state)->runs);
}

static void python_begin(void *state, an_emit_fn emit, void *ud)
{
    python_state_t *st = state;
    memset(st, 0, sizeof *st);
    st->emit = emit;
    st->ud = ud;
    st->file = "";
    py_sources_init(&st->src);
}

static int python_on_file(void *ud, const an_file_t *f)
{
    python_state_t *st = ud;
    st->file = an_file_path(f);
    st->pth = strcmp(an_path_ext(st->file), "pth") == 0;
    st->notebook = strcmp(an_path_ext(st->file), "ipynb") == 0;
    memset(&st->nb, 0, sizeof st->nb);
    st->active = !(f->flags & (AN_FILE_DELETED | AN_FILE_BINARY)) &&
                 (path_is_python(st->file) || st->pth || st->notebook || an_cmd_runs_has(&st->runs, st->file));
    st->triple = 0;
    st->yaml_open = 0;
    st->sig_open = 0;
    st->shell_default = 0;
    st->last_line = 0;
    py_sources_reset(&st->src);
    st->n_alias = 0;
    st->yaml_renamed[0] = '\0';
    st->yaml_foreign = 0;
    st->revshell = 0;
    st->shellcode = 0;
    st->fetched[0] = '\0';
    st->n_repo = 0;
    st->depth = 0;
    st->n_outside = 0;
    st->n_secret = 0;
    return 0;
}

/* Context lines are lexed quietly so the string state stays right; a jump
 * in line numbers (a new hunk) resets it, since the text between hunks is
 * unknown. Only added lines report. */
static int python_on_line(void *ud, const an_file_t *f, an_line_kind_t kind, unsigned lineno,
                          const char *text, size_t len)
{
    python_state_t *st = ud;
    int rc = 0;
    (void)f;
    if (!st->active && kind == AN_LINE_ADDED && lineno == 1 && shebang_python(text, len))
        st->active = 1;
    if (!st->active || kind == AN_LINE_REMOVED)
        return 0;
    if (lineno != st->last_line + 1) {
        st->triple = 0;
        st->depth = 0;   /* the text between hunks is unknown */
        st->sig_open = 0;
        memset(&st->nb, 0, sizeof st->nb);
        if (st->yaml_open && (rc = py_yaml_close(st)) != 0)
            return rc;
    }
    st->last_line = lineno;
    st->quiet = 0;   /* a declaration the base has still hides what the patch adds */
    size_t at, nlen;
    if (lineno <= 2 && !st->notebook && !st->pth && py_coding_hides(text, len, &at, &nlen) &&
        (rc = emit_rule(st, "python.source_encoding", AN_SEV_HIGH,
                        "source encoding under which ASCII decodes to a newline (utf-7 `+AAo-`, "
                        "unicode_escape `\\n`): code hidden in a comment runs", lineno, text + at, nlen)) != 0)
        return rc;
    st->quiet = kind == AN_LINE_CONTEXT;
    if (st->notebook) {
        st->nb_line = lineno;
        rc = py_notebook_line(&st->nb, text, len, notebook_code, st);
    } else if (!st->pth || pth_runs(text, len)) {
        st->line_secret = st->line_send = 0;
        rc = scan_line(st, lineno, text, len);
        if (rc == 0)
            rc = py_exfil_line(st, lineno, text, len);
    }
    st->quiet = 0;
    return rc;
}

static int python_on_file_end(void *ud, const an_file_t *f)
{
    python_state_t *st = ud;
    (void)f;
    return st->yaml_open ? py_yaml_close(st) : 0;
}

static const an_patch_visitor_t s_visitor = {
    .on_file = python_on_file,
    .on_line = python_on_line,
    .on_file_end = python_on_file_end,
};

const an_analyzer_t python_analyzer = {
    .name = "python",
    .version = "2.0.0",
    .state_size = sizeof(python_state_t),
    .begin = python_begin,
    .visitor = &s_visitor,
    .note_command = python_note_command,
};
