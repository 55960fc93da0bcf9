/*
 * python.c: the `python` analyzer core (rules listed in python.h).
 *
 * One pass per added line with a tiny lexer that skips strings and comments
 * and remembers an open triple-quoted string across lines. Calls are matched
 * against a table; yaml.load is the only rule that needs the whole argument
 * list, so its call is followed (paren depth) across lines until it closes.
 * Owns only its per-scan state (python_state_t).
 */
#include "python.h"
#include "python_indirect.h"
#include "python_notebook.h"
#include "python_sources.h"

#include <string.h>
#include <strings.h>

#include "an_command.h"
#include "an_input.h"
#include "an_text.h"

#define MAX_NAME 64
#define YAML_MAX_LINES 40
#define SIG_MAX_LINES 40

/* K_METHOD: as K_NONLITERAL, and also as a method of any object (the
 * interpreter objects of the `code` module: `InteractiveInterpreter().runsource(src)`). */
/* K_DESER_UNLESS / K_DESER_IF: as K_DESER unless the keyword argument `kw`
 * is on the line (`torch.load(f, weights_only=True)`), or only when it is
 * (`np.load(f, allow_pickle=True)`). K_SHELLCMD: a command run by the shell
 * somewhere in the arguments (`pydoc.pipepager(text, cmd=…)`): high when it
 * fetches and runs code or holds outside data, else an advisory. */
typedef enum {
    K_ALWAYS, K_NONLITERAL, K_SYSTEM, K_YAML, K_DESER, K_METHOD, K_DESER_UNLESS, K_DESER_IF, K_SHELLCMD
} call_kind_t;

typedef struct {
    const char *name;
    size_t len;
    const char *rule;
    an_severity_t sev;
    call_kind_t kind;
    const char *msg;
    const char *kw;         /* K_DESER_UNLESS, K_DESER_IF: the keyword argument set to True */
} call_rule_t;

#define MSG_EVAL "eval/exec of a computed string runs arbitrary code"
#define MSG_SYS "runs a shell command (os.system/os.popen)"
#define MSG_SUB "runs a command through the shell"
#define MSG_DES "deserializes with pickle/marshal-like loaders, which execute code from the data"
#define MSG_YAML "yaml.load without SafeLoader constructs arbitrary Python objects"
#define MSG_IMP "imports a module whose name is computed at run time"
#define MSG_COMP "compiles computed source code"
#define MSG_RUNS_FETCHED "runs a file a download wrote earlier in this file"
#define MSG_SHELLCODE "runs machine code: executable memory (PROT_EXEC) called through a ctypes function pointer"
/* Shellcode marks: memory mapped executable, a ctypes function pointer made. */
#define SC_EXEC_MEM 1u
#define SC_FUNC_PTR 2u
#define SC_ALL 3u
#define MSG_REVSHELL "a reverse shell: a socket connected, duplicated onto stdin/stdout, and a shell spawned"

/* Names called bare (`eval(…)`), then dotted names (`os.system(…)`): a
 * lookup scans only the table its name's shape picks. */
static const call_rule_t s_bare_calls[] = {
    {"eval", 4, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"exec", 4, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"runsource", 9, "python.eval_exec", AN_SEV_HIGH, K_METHOD, MSG_EVAL, NULL},
    {"runcode", 7, "python.eval_exec", AN_SEV_HIGH, K_METHOD, MSG_EVAL, NULL},
    {"compile", 7, "python.compile", AN_SEV_MEDIUM, K_NONLITERAL, MSG_COMP, NULL},
    {"__import__", 10, "python.dynamic_import", AN_SEV_MEDIUM, K_NONLITERAL, MSG_IMP, NULL},
    {"system", 6, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"popen", 5, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
};

static const call_rule_t s_calls[] = {
    {"builtins.eval", 13, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"builtins.exec", 13, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"builtins.compile", 16, "python.compile", AN_SEV_MEDIUM, K_NONLITERAL, MSG_COMP, NULL},
    {"importlib.import_module", 23, "python.dynamic_import", AN_SEV_MEDIUM, K_NONLITERAL, MSG_IMP, NULL},
    {"importlib.__import__", 20, "python.dynamic_import", AN_SEV_MEDIUM, K_NONLITERAL, MSG_IMP, NULL},
    {"os.system", 9, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"os.popen", 8, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"commands.getoutput", 18, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"commands.getstatusoutput", 24, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"subprocess.getoutput", 20, "python.subprocess_shell", AN_SEV_HIGH, K_ALWAYS, MSG_SUB, NULL},
    {"subprocess.getstatusoutput", 26, "python.subprocess_shell", AN_SEV_HIGH, K_ALWAYS, MSG_SUB, NULL},
    {"asyncio.create_subprocess_shell", 31, "python.subprocess_shell", AN_SEV_HIGH, K_ALWAYS, MSG_SUB, NULL},
    {"pickle.load", 11, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"pickle.loads", 12, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"pickle.Unpickler", 16, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"cPickle.load", 12, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"cPickle.loads", 13, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"_pickle.loads", 13, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"marshal.load", 12, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"marshal.loads", 13, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"shelve.open", 11, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"dill.load", 9, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"dill.loads", 10, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"cloudpickle.load", 16, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"cloudpickle.loads", 17, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"jsonpickle.decode", 17, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"pandas.read_pickle", 18, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"pd.read_pickle", 14, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"joblib.load", 11, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"torch.load", 10, "python.deserialize", AN_SEV_HIGH, K_DESER_UNLESS, MSG_DES, "weights_only"},
    {"np.load", 7, "python.deserialize", AN_SEV_HIGH, K_DESER_IF, MSG_DES, "allow_pickle"},
    {"numpy.load", 10, "python.deserialize", AN_SEV_HIGH, K_DESER_IF, MSG_DES, "allow_pickle"},
    /* the profilers and timeit run a statement given as source text */
    {"cProfile.run", 12, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"cProfile.runctx", 15, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"profile.run", 11, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"profile.runctx", 14, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"timeit.timeit", 13, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"timeit.repeat", 13, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"timeit.Timer", 12, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    /* pydoc's pagers hand their cmd to the shell */
    {"pydoc.pipepager", 15, "python.subprocess_shell", AN_SEV_HIGH, K_SHELLCMD, MSG_SUB, NULL},
    {"pydoc.tempfilepager", 19, "python.subprocess_shell", AN_SEV_HIGH, K_SHELLCMD, MSG_SUB, NULL},
    {"yaml.load", 9, "python.yaml_load", AN_SEV_HIGH, K_YAML, MSG_YAML, NULL},
    {"yaml.load_all", 13, "python.yaml_load", AN_SEV_HIGH, K_YAML, MSG_YAML, NULL},
    {"yaml.unsafe_load", 16, "python.yaml_load", AN_SEV_HIGH, K_ALWAYS, MSG_YAML, NULL},
    {"yaml.unsafe_load_all", 20, "python.yaml_load", AN_SEV_HIGH, K_ALWAYS, MSG_YAML, NULL},
};

#define TAINT_NAME 32
#define MAX_ALIAS 8

typedef struct {
    an_emit_fn emit;
    void *ud;
    const char *file;
    int active;             /* current file is python */
    int quiet;              /* context line: track strings, report nothing */
    unsigned last_line;     /* previous new-side line number (hunk jumps reset state) */
    char triple;            /* open triple-quoted string: its quote char, or 0 */
    /* a yaml.load call being followed */
    int yaml_open;
    unsigned yaml_line, yaml_depth, yaml_lines;
    int yaml_safe;
    /* a def's signature being read: its parameters' defaults are not calls */
    int sig_open;
    unsigned sig_depth, sig_lines;
    int shell_default;      /* the latest def has the default shell=True */
    py_sources_t src;       /* outside data in this file (python_sources.c) */
    /* names bound by `from os import system as run` (and the like) in this file */
    char alias[MAX_ALIAS][TAINT_NAME];
    const call_rule_t *alias_rule[MAX_ALIAS];
    unsigned n_alias;
    char yaml_renamed[TAINT_NAME]; /* `from yaml import UnsafeLoader as SafeLoader`: "SafeLoader" */
    int yaml_foreign;       /* `yaml` here names another module (`from googlecloudsdk.core import yaml`) */
    unsigned revshell;      /* PY_RS_* marks of this file's added lines */
    unsigned shellcode;     /* SC_* marks of this file's added lines */
    char fetched[TAINT_NAME * 2]; /* a file a download wrote earlier in this file, or "" */
    an_cmd_runs_t runs;     /* files the job's commands run with python (`python3 tools/x.txt`) */
    int pth;                /* a .pth file: only its `import` lines run */
    int notebook;           /* a .ipynb file: its code cells run */
    py_notebook_t nb;
    unsigned nb_line;       /* the notebook's JSON line being read */
} python_state_t;
_Static_assert(sizeof(python_state_t) <= AN_STATE_MAX, "python state must fit the driver's buffer");

static int name_char(unsigned char c)
{
    return an_is_ident(c) || c == '.';
}

static int emit_rule(python_state_t *st, const char *rule, an_severity_t sev, const char *msg,
                     unsigned line, const char *ev, size_t evn)
{
    if (st->quiet)
        return 0;
    return an_emit(st->emit, st->ud, rule, sev, st->file, line, msg, ev, evn);
}

/* Skips a string literal whose opening quote is at s[i]; returns the index
 * after it, or n with st->triple set when a triple-quoted string stays open. */
static size_t skip_string(python_state_t *st, const char *s, size_t n, size_t i)
{
    char q = s[i];
    if (i + 2 < n && s[i + 1] == q && s[i + 2] == q) {
        for (size_t k = i + 3; k + 2 < n; k++) {
            if (s[k] == '\\') {
                k++;
                continue;
            }
            if (s[k] == q && s[k + 1] == q && s[k + 2] == q)
                return k + 3;
        }
        st->triple = q;
        return n;
    }
    for (size_t k = i + 1; k < n; k++) {
        if (s[k] == '\\')
            k++;
        else if (s[k] == q)
            return k + 1;
    }
    return n;
}

/* Whether the string prefix letters s[i..] (r, b, u, f in any case, <= 2)
 * are followed by a quote. Returns the quote's index or 0. */
static size_t prefix_quote(const char *s, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && k < i + 2 && strchr("rRbBuUfF", s[k]) && s[k])
        k++;
    return (k > i && k < n && (s[k] == '\'' || s[k] == '"')) ? k : 0;
}

/* The argument at s[i] (after '(') is a plain, non-f string literal that
 * ends the argument. */
static int literal_arg(const char *s, size_t n, size_t i)
{
    python_state_t tmp;
    size_t q, end;
    i = an_skip_space(s, n, i);
    if (i >= n)
        return 0;
    q = (s[i] == '\'' || s[i] == '"') ? i : prefix_quote(s, n, i);
    if (q == 0 && s[i] != '\'' && s[i] != '"')
        return 0;
    for (size_t k = i; k < q; k++)
        if (s[k] == 'f' || s[k] == 'F')
            return 0;
    memset(&tmp, 0, sizeof tmp);
    end = skip_string(&tmp, s, n, q);
    if (tmp.triple)
        return 1; /* a triple-quoted literal running over the next lines */
    if (end > n)
        return 0;
    end = an_skip_space(s, n, end);
    return end < n && (s[end] == ')' || s[end] == ',');
}

/* `kw=True` (spaces allowed around `=`) in s: a keyword argument set. */
static int keyword_true(const char *s, size_t n, const char *kw)
{
    size_t m = strlen(kw), off = 0, at;
    while (off < n && (at = an_find(s + off, n - off, kw)) != (size_t)-1) {
        size_t v = an_skip_space(s, n, off + at + m);
        if (v < n && s[v] == '=' && (v = an_skip_space(s, n, v + 1)) + 4 <= n && memcmp(s + v, "True", 4) == 0 &&
            (v + 4 == n || !an_is_ident((unsigned char)s[v + 4])))
            return 1;
        off += at + m;
    }
    return 0;
}

/* Table lookup after a cheap (length, first byte) filter; no string scans for
 * the common names that are not in the table. */
static const call_rule_t *call_lookup(const char *name, size_t n)
{
    static const char first[] = "_abcdeijmnoprsty"; /* first bytes of the tables' names */
    if (n < 4 || n > 31 || !memchr(first, name[0], sizeof first - 1))
        return NULL;
    const call_rule_t *table = s_calls;
    size_t count = sizeof s_calls / sizeof s_calls[0];
    if (!memchr(name, '.', n)) {
        table = s_bare_calls;
        count = sizeof s_bare_calls / sizeof s_bare_calls[0];
    }
    for (size_t i = 0; i < count; i++)
        if (table[i].len == n && table[i].name[0] == name[0] && memcmp(table[i].name, name, n) == 0)
            return &table[i];
    return NULL;
}

/* yaml's loaders that construct arbitrary objects: imported under a safe
 * loader's name they are still unsafe. */
static int unsafe_yaml_loader(const char *s, size_t n)
{
    static const char *const loaders[] = {"Loader", "UnsafeLoader", "CLoader", "CUnsafeLoader", "FullLoader",
                                          "CFullLoader"};
    for (size_t k = 0; k < sizeof loaders / sizeof loaders[0]; k++)
        if (strlen(loaders[k]) == n && memcmp(loaders[k], s, n) == 0)
            return 1;
    return 0;
}

/* Whether `from MOD import yaml` binds PyYAML (or ruamel's, whose load is as
 * unsafe): a vendored copy (pip._vendor, setuptools.extern) or ruamel.
 * Another package's `yaml` (googlecloudsdk.core's) is its own wrapper. */
static int pyyaml_module(const char *mod, size_t n)
{
    return (n == 6 && memcmp(mod, "ruamel", 6) == 0) || an_find(mod, n, "vendor") != (size_t)-1 ||
           an_find(mod, n, "extern") != (size_t)-1 || an_find(mod, n, "yaml") != (size_t)-1;
}

/* `import yaml` binds PyYAML; `import pkg.yaml as yaml` another package's
 * module of that name (ruamel.yaml and vendored copies excepted). */
static void note_yaml_import(python_state_t *st, const char *s, size_t n, size_t i)
{
    size_t as, b;
    if (n - i < 11 || memcmp(s + i, "import ", 7) != 0)
        return;
    for (b = i + 7; b + 4 <= n; b++) {
        if (memcmp(s + b, "yaml", 4) != 0 || name_char((unsigned char)s[b - 1]) ||
            (b + 4 < n && name_char((unsigned char)s[b + 4])) || (b >= 3 && memcmp(s + b - 3, "as ", 3) == 0))
            continue;
        if (an_skip_space(s, n, b + 4) + 3 <= n && memcmp(s + an_skip_space(s, n, b + 4), "as ", 3) == 0)
            continue;   /* `import yaml as y`: y is PyYAML, `yaml` unbound */
        st->yaml_foreign = 0;   /* `import yaml`, `import os, yaml` */
        return;
    }
    if ((as = an_find(s, n, " as yaml")) == (size_t)-1 || (as + 8 < n && name_char((unsigned char)s[as + 8])))
        return;
    for (b = as; b > i + 7 && s[b - 1] != ' ' && s[b - 1] != ','; b--)
        ;
    st->yaml_foreign = memchr(s + b, '.', as - b) != NULL && !(as - b >= 11 && memcmp(s + b, "ruamel.yaml", 11) == 0) &&
                       an_find(s + b, as - b, "vendor") == (size_t)-1 && an_find(s + b, as - b, "extern") == (size_t)-1;
}

/* `from MOD import NAME [as LOCAL], ...`: LOCAL (or NAME) calls MOD.NAME, so
 * `from os import system as run; run(cmd)` is os.system. Only names whose
 * MOD.NAME has a rule, and only when LOCAL itself has none. */
static void note_import(python_state_t *st, const char *s, size_t n)
{
    size_t i = an_skip_space(s, n, 0), m, imp, k;
    char full[MAX_NAME + 1];
    if (n - i < 12 || memcmp(s + i, "from ", 5) != 0)
        return;
    i = an_skip_space(s, n, i + 5);
    for (m = i; m < n && name_char((unsigned char)s[m]); m++)
        ;
    if (m == i || m - i > MAX_NAME / 2 || (imp = an_find(s + m, n - m, " import ")) == (size_t)-1)
        return;
    k = m + imp + 8;
    while (k < n && st->n_alias < MAX_ALIAS) {
        size_t a, an, l, ln;
        k = an_skip_space(s, n, k);
        if (k < n && s[k] == '(')
            k = an_skip_space(s, n, k + 1);
        for (a = k; k < n && an_is_ident((unsigned char)s[k]); k++)
            ;
        an = k - a;
        l = a;
        ln = an;
        k = an_skip_space(s, n, k);
        if (k + 3 <= n && memcmp(s + k, "as ", 3) == 0) {
            l = an_skip_space(s, n, k + 3);
            for (k = l; k < n && an_is_ident((unsigned char)s[k]); k++)
                ;
            ln = k - l;
            k = an_skip_space(s, n, k);
        }
        if (an == 0 || ln == 0)
            return;
        if (m - i == 4 && memcmp(s + i, "yaml", 4) == 0 && ln < TAINT_NAME && unsafe_yaml_loader(s + a, an)) {
            memcpy(st->yaml_renamed, s + l, ln);   /* `UnsafeLoader as SafeLoader` */
            st->yaml_renamed[ln] = '\0';
        }
        if (ln == 4 && memcmp(s + l, "yaml", 4) == 0)
            st->yaml_foreign = !pyyaml_module(s + i, m - i);
        py_sources_note_import(&st->src, s + i, m - i, s + a, an, s + l, ln);
        if ((m - i) + 1 + an <= MAX_NAME && ln < TAINT_NAME && !call_lookup(s + l, ln)) {
            const call_rule_t *r;
            memcpy(full, s + i, m - i);
            full[m - i] = '.';
            memcpy(full + (m - i) + 1, s + a, an);
            if ((r = call_lookup(full, (m - i) + 1 + an)) != NULL) {
                memcpy(st->alias[st->n_alias], s + l, ln);
                st->alias[st->n_alias][ln] = '\0';
                st->alias_rule[st->n_alias++] = r;
            }
        }
        if (k >= n || s[k] != ',')
            return;
        k++;
    }
}

static const call_rule_t *alias_lookup(const python_state_t *st, const char *name, size_t n)
{
    for (unsigned i = 0; i < st->n_alias; i++)
        if (strlen(st->alias[i]) == n && memcmp(st->alias[i], name, n) == 0)
            return st->alias_rule[i];
    return NULL;
}

/* A literal shell command that fetches code and runs it (`curl URL | sh`,
 * `wget -qO- URL | python3`, `base64 -d ... | bash`): no less dangerous for
 * being written out in full. */
static int literal_runs_unseen(const char *s, size_t n)
{
    static const char *const into[] = {"| sh", "|sh", "| bash", "|bash", "| python", "|python",
                                       "| sudo", "|sudo", "| zsh", "| dash", "| perl", "| node"};
    int fetch = an_find(s, n, "curl ") != (size_t)-1 || an_find(s, n, "wget ") != (size_t)-1 ||
                an_find(s, n, "base64 -d") != (size_t)-1 || an_find(s, n, "base64 --decode") != (size_t)-1;
    for (size_t i = 0; fetch && i < sizeof into / sizeof into[0]; i++)
        if (an_find(s, n, into[i]) != (size_t)-1)
            return 1;
    return 0;
}

/* `["sh", "-c", cmd]` / `("/bin/bash", "-c", ...)`: a program handed to a
 * shell as argv, the same as shell=True. Whether the string literal whose
 * quote is at s[i] is a shell's name followed by a "-c" literal
 * (SHELL_ARGV_C), or a shell's name first in a list without one
 * (SHELL_ARGV_FIRST: `["sh"]`, which runs the program on its stdin). */
#define SHELL_ARGV_C 1
#define SHELL_ARGV_FIRST 2
static int shell_argv_at(const char *s, size_t n, size_t i)
{
    static const char *const shells[] = {"sh", "bash", "zsh", "dash", "ksh", "ash",
                                         "python", "python3", "perl", "ruby", "node"};
    char q = s[i];
    size_t b, e, k;
    if (i + 7 >= n || !strchr("/sbzdkaprn", s[i + 1]))
        return 0;
    for (e = i + 1; e < n && s[e] != q && e - i < 24; e++)
        ;
    if (e >= n || s[e] != q)
        return 0;
    for (b = e; b > i + 1 && s[b - 1] != '/'; b--)
        ;
    if (b > i + 1 && s[i + 1] != '/')
        return 0;   /* a relative path such as "bin/sh" names no system shell */
    for (size_t k2 = 0; k2 < sizeof shells / sizeof shells[0]; k2++) {
        size_t m = strlen(shells[k2]);
        if (e - b != m || memcmp(s + b, shells[k2], m) != 0)
            continue;
        k = an_skip_space(s, n, e + 1);
        if (k < n && s[k] == ',') {
            k = an_skip_space(s, n, k + 1);
            if (k + 4 <= n && (s[k] == '\'' || s[k] == '"') && s[k + 1] == '-' &&
                (s[k + 2] == 'c' || (k2 >= 6 && s[k + 2] == 'e')) && s[k + 3] == s[k])
                return SHELL_ARGV_C;
        }
        for (b = i; b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'); b--)
            ;
        return b > 0 && (s[b - 1] == '[' || s[b - 1] == '(') ? SHELL_ARGV_FIRST : 0;
    }
    return 0;
}

static int yaml_close(python_state_t *st)
{
    st->yaml_open = 0;
    if (st->yaml_safe)
        return 0;
    /* reported even when the call closes on a context line */
    return an_emit(st->emit, st->ud, "python.yaml_load", AN_SEV_HIGH, st->file, st->yaml_line,
                   MSG_YAML, "yaml.load", 9);
}

/* x.system(cmd) / x.popen(cmd) on some module object (an alias of os):
 * the os.system rule, unless called without arguments (platform.system()). */
static const call_rule_t *method_rule(const char *s, size_t n, size_t at, size_t len,
                                      size_t paren)
{
    const char *dot = memrchr(s + at, '.', len);
    size_t tail, a = an_skip_space(s, n, paren + 1);
    if (!dot || a >= n || s[a] == ')')
        return NULL;
    tail = len - (size_t)(dot + 1 - (s + at));
    if (tail == 6 && memcmp(dot + 1, "system", 6) == 0)
        return call_lookup("system", 6);
    if (tail == 5 && memcmp(dot + 1, "popen", 5) == 0)
        return call_lookup("popen", 5);
    if (tail >= 9 && dot - (s + at) >= 4 && memcmp(s + at, "self", 4) == 0 &&
        (dot - (s + at) == 4 || s[at + 4] == '.'))
        return NULL;   /* self.getoutput, self.shell.getoutput: the object's own method (IPython) */
    if (tail == 9 && memcmp(dot + 1, "getoutput", 9) == 0)   /* x = __import__("subprocess") */
        return call_lookup("subprocess.getoutput", 20);
    if (tail == 15 && memcmp(dot + 1, "getstatusoutput", 15) == 0)
        return call_lookup("subprocess.getstatusoutput", 26);
    return NULL;
}

/* `NAME = getattr(obj, "exec")` with nothing after the call (six's `exec_`,
 * sympy's `getattr(cls, 'eval', cls)`): the attribute is bound, not called.
 * NAME becomes an alias of r, judged at its calls as `run = exec` is.
 * Whether the line is that binding (the alias then noted). The builtins
 * module itself named first (`f = getattr(builtins, 'eval')`) stays an
 * evasion to report; six's `moves.builtins` is its portable spelling. */
static int is_word_at(const char *s, size_t n, size_t i, const char *w);

static int bound_not_called(python_state_t *st, const char *s, size_t n, size_t at, size_t paren,
                            const call_rule_t *r)
{
    size_t a = an_skip_space(s, n, 0), e, k, depth = 0;
    python_state_t tmp;
    if (!r || st->n_alias >= MAX_ALIAS || memcmp(s + at, "getattr", 7) != 0)
        return 0;
    k = an_skip_space(s, n, paren + 1);
    if (is_word_at(s, n, k, "builtins") || is_word_at(s, n, k, "__builtins__"))
        return 0;
    for (e = a; e < at && an_is_ident((unsigned char)s[e]); e++)
        ;
    if (e == a || e - a >= TAINT_NAME || an_skip_space(s, n, e) >= at || s[an_skip_space(s, n, e)] != '=' ||
        an_skip_space(s, n, an_skip_space(s, n, e) + 1) != at)
        return 0;
    memset(&tmp, 0, sizeof tmp);
    for (k = paren; k < n; k++) {
        if (s[k] == '\'' || s[k] == '"') {
            k = skip_string(&tmp, s, n, k) - 1;
            if (tmp.triple)
                return 0;
        } else if (s[k] == '(') {
            depth++;
        } else if (s[k] == ')' && --depth == 0) {
            break;
        }
    }
    if (k >= n || (an_skip_space(s, n, k + 1) < n && s[an_skip_space(s, n, k + 1)] != '#'))
        return 0;   /* not closed on this line, or the result is called, indexed … */
    memcpy(st->alias[st->n_alias], s + a, e - a);
    st->alias[st->n_alias][e - a] = '\0';
    st->alias_rule[st->n_alias++] = r;
    return 1;
}

/* getattr, operator.methodcaller, operator.attrgetter: calls that reach an
 * attribute by its name given as a string. */
static int attribute_by_name(const char *name, size_t len)
{
    const char *dot;
    if (len < 7 || name[len - 1] != 'r')
        return 0;   /* all three end in 'r': most calls stop here */
    dot = memrchr(name, '.', len);
    const char *t = dot ? dot + 1 : name;
    size_t tl = len - (size_t)(t - name);
    return (tl == 7 && memcmp(t, "getattr", 7) == 0) || (tl == 12 && memcmp(t, "methodcaller", 12) == 0) ||
           (tl == 10 && memcmp(t, "attrgetter", 10) == 0);
}

/* getattr(x, "system") and friends: the dangerous name as a string. */
static int indirect_call(python_state_t *st, unsigned line, const char *s, size_t n,
                         size_t at, size_t len, size_t paren)
{
    static const struct { const char *name; const char *rule; const char *msg; const char *as; } names[] = {
        {"\"system\"", "python.os_system", MSG_SYS, "os.system"}, {"'system'", "python.os_system", MSG_SYS, "os.system"},
        {"\"popen\"", "python.os_system", MSG_SYS, "os.popen"}, {"'popen'", "python.os_system", MSG_SYS, "os.popen"},
        {"\"eval\"", "python.eval_exec", MSG_EVAL, "eval"}, {"'eval'", "python.eval_exec", MSG_EVAL, "eval"},
        {"\"exec\"", "python.eval_exec", MSG_EVAL, "exec"}, {"'exec'", "python.eval_exec", MSG_EVAL, "exec"},
        {"\"loads\"", "python.deserialize", MSG_DES, "pickle.loads"},
        {"'loads'", "python.deserialize", MSG_DES, "pickle.loads"},
    };
    if (!attribute_by_name(s + at, len))
        return 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (an_find(s + paren, n - paren, names[k].name) != (size_t)-1) {
            if (bound_not_called(st, s, n, at, paren, call_lookup(names[k].as, strlen(names[k].as))))
                return 0;
            return emit_rule(st, names[k].rule, AN_SEV_HIGH, names[k].msg, line, s + at, len);
        }
    switch (py_getattr_name(s, n, paren)) {   /* getattr(os, "sys" + "tem") */
    case PY_IND_EXEC: return emit_rule(st, "python.eval_exec", AN_SEV_HIGH, MSG_EVAL, line, s + at, n - at);
    case PY_IND_SYSTEM: return emit_rule(st, "python.os_system", AN_SEV_HIGH, MSG_SYS, line, s + at, n - at);
    default: return 0;
    }
}

#define MSG_DECODE "executes decoded or decompressed code (exec/eval of base64, hex, zlib, rot13 ...)"

/* `input=<download>` (or `stdin=`) on the line: a program read from outside
 * data is fed to what the line starts (`run(["sh"], input=requests.get(u).text)`). */
static int feeds_outside_stdin(const python_state_t *st, const char *s, size_t n)
{
    size_t at = an_find(s, n, "input=");
    if (at == (size_t)-1)
        at = an_find(s, n, "stdin=");
    return at != (size_t)-1 && py_sources_in(&st->src, s + at + 6, n - at - 6);   /* the value, not "stdin" */
}

/* `globals()["__builtins__"].exec`, `vars(builtins).eval`: the text before
 * the dot at s[dot] names the builtins module. */
static int builtins_before(const char *s, size_t dot)
{
    size_t b = dot;
    while (b > 0 && (s[b - 1] == ']' || s[b - 1] == '"' || s[b - 1] == '\'' || s[b - 1] == ')'))
        b--;
    return (b >= 12 && memcmp(s + b - 12, "__builtins__", 12) == 0) ||
           (b >= 8 && memcmp(s + b - 8, "builtins", 8) == 0);
}

/* The argument at s[i] is a `dumps(` call (pickle.dumps, dill.dumps …):
 * a loader given it unpickles what the same expression pickled. */
static int round_trip_arg(const char *s, size_t n, size_t i)
{
    size_t a = an_skip_space(s, n, i), e;
    for (e = a; e < n && name_char((unsigned char)s[e]); e++)
        ;
    size_t depth = 0, k;
    if (!(e - a >= 5 && e < n && s[e] == '(' && memcmp(s + e - 5, "dumps", 5) == 0 && (e - a == 5 || s[e - 6] == '.')))
        return 0;
    for (k = e; k < n; k++) {   /* the dumps call must be the whole argument */
        if (s[k] == '\'' || s[k] == '"')
            return 0;
        if (s[k] == '(')
            depth++;
        else if (s[k] == ')' && --depth == 0)
            break;
    }
    k = an_skip_space(s, n, k + 1);
    return k < n && (s[k] == ')' || s[k] == ',');
}

/* A name followed by '(' at s[paren]. */
static int on_call(python_state_t *st, unsigned line, const char *s, size_t n,
                   size_t at, size_t len, size_t paren)
{
    const call_rule_t *r;
    an_severity_t sev;
    int method = 0;
    if (at >= 4 && memcmp(s + at - 4, "def ", 4) == 0)
        return 0;   /* `def runcode(self, code):` defines, does not call */
    r = call_lookup(s + at, len);
    if (!r && st->n_alias && (at == 0 || s[at - 1] != '.'))
        r = alias_lookup(st, s + at, len);
    if (!r)
        method = (r = method_rule(s, n, at, len, paren)) != NULL;
    if (!r)
        return indirect_call(st, line, s, n, at, len, paren);
    if (at > 0 && s[at - 1] == '.' && !(method && r->kind == K_ALWAYS) && r->kind != K_METHOD &&
        !builtins_before(s, at - 1)) {
        /* a method of something else (x.eval(), re.compile()), except
         * system/popen: importlib.import_module("os").system(cmd) */
        if (r->kind != K_SYSTEM || r->name[0] == 'o' || r->name[0] == 'c')
            return 0;
    }
    switch (r->kind) {
    case K_METHOD:
    case K_NONLITERAL:
        if (an_skip_space(s, n, paren + 1) < n && s[an_skip_space(s, n, paren + 1)] == ')')
            return 0;
        if (literal_arg(s, n, paren + 1))
            return 0;
        if ((r->rule[7] == 'e' || r->rule[7] == 'c') && py_sources_decodes(&st->src, s + paren, n - paren))
            return emit_rule(st, "python.decode_exec", AN_SEV_CRITICAL, MSG_DECODE, line, s + at, n - at);
        sev = py_sources_in(&st->src, s + paren, n - paren) ? r->sev : AN_SEV_LOW;
        break;
    case K_SYSTEM:
        sev = literal_runs_unseen(s + paren, n - paren)   ? r->sev
              : literal_arg(s, n, paren + 1)              ? AN_SEV_LOW
              : py_sources_in(&st->src, s + paren, n - paren) ? r->sev
                                                          : AN_SEV_MEDIUM;
        break;
    case K_DESER_UNLESS:
    case K_DESER_IF:
        if (keyword_true(s + paren, n - paren, r->kw) != (r->kind == K_DESER_IF))
            return 0;
        /* fall through */
    case K_DESER:
        if (round_trip_arg(s, n, paren + 1))
            return 0;   /* pickle.loads(pickle.dumps(x)): a copy, nothing read */
        sev = py_sources_in(&st->src, s + paren, n - paren) ? r->sev : AN_SEV_LOW;
        break;
    case K_SHELLCMD:
        sev = literal_runs_unseen(s + paren, n - paren) || py_sources_in(&st->src, s + paren, n - paren) ? r->sev
                                                                                                : AN_SEV_LOW;
        break;
    case K_YAML:
        if (st->yaml_open || st->quiet || (st->yaml_foreign && len > 5 && memcmp(s + at, "yaml.", 5) == 0))
            return 0;
        st->yaml_open = 1;
        st->yaml_line = line;
        st->yaml_depth = 0;
        st->yaml_lines = 0;
        st->yaml_safe = 0;
        return 0;
    default:
        sev = r->sev;
        break;
    }
    return emit_rule(st, r->rule, sev, r->msg, line, s + at, len);
}

/* exec/eval or os.system as a value: bound to a name (`run = exec`: that
 * name is an alias, judged at its calls), or handed to another call
 * (`map(exec, …)`, `functools.partial(os.system, cmd)`,
 * `Thread(target=os.system, args=…)`): the rule's severity with outside data
 * or a literal command that fetches and runs code, else an advisory. */
static int callable_value(python_state_t *st, unsigned line, const char *s, size_t n, size_t i, size_t len,
                          const call_rule_t *r)
{
    size_t b = i, e;
    while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (b > 0 && s[b - 1] == '=') {
        size_t a = an_skip_space(s, n, 0);
        for (e = a; e < n && an_is_ident((unsigned char)s[e]); e++)
            ;
        if (e > a && e - a < TAINT_NAME && an_skip_space(s, n, e) == b - 1) {
            if (st->n_alias < MAX_ALIAS) {
                memcpy(st->alias[st->n_alias], s + a, e - a);
                st->alias[st->n_alias][e - a] = '\0';
                st->alias_rule[st->n_alias++] = r;
            }
            return 0;
        }   /* else a keyword argument (`Thread(target=exec, …)`): a value handed over */
    }
    return emit_rule(st, r->rule,
                     py_sources_in(&st->src, s, n) || literal_runs_unseen(s, n) ? r->sev : AN_SEV_LOW, r->msg, line,
                     s + i, len);
}

/* os.system, os.popen, subprocess.getoutput … named, not called, in a
 * value's place. */
static const call_rule_t *shell_function_value(const char *s, size_t n, size_t i, size_t len)
{
    const call_rule_t *r;
    if (len < 8 || (s[i] != 'o' && s[i] != 's' && s[i] != 'c') || !memchr(s + i, '.', len) ||
        !py_value_position(s, n, i, len))
        return NULL;   /* os., subprocess., commands. */
    r = call_lookup(s + i, len);
    return r && (strcmp(r->rule, "python.os_system") == 0 || strcmp(r->rule, "python.subprocess_shell") == 0)
               ? r
               : NULL;
}

static int is_word_at(const char *s, size_t n, size_t i, const char *w)
{
    size_t m = strlen(w);
    return i + m <= n && memcmp(s + i, w, m) == 0 && (i + m == n || !an_is_ident((unsigned char)s[i + m]));
}

/* `True` or `1` at s[i] (shell=True, {'shell': 1}): its length, or 0. */
static size_t true_len(const char *s, size_t n, size_t i)
{
    size_t v;
    if (is_word_at(s, n, i, "True"))
        return 4;
    if (is_word_at(s, n, i, "1"))
        return 1;
    if (!is_word_at(s, n, i, "not"))
        return 0;
    v = an_skip_space(s, n, i + 3);   /* `not False`, `not 0`, `not None` are True too */
    return is_word_at(s, n, v, "False") ? v + 5 - i
           : is_word_at(s, n, v, "0")   ? v + 1 - i
           : is_word_at(s, n, v, "None") ? v + 4 - i
                                         : 0;
}

/* The innermost '(' still open at s[i] on this line (strings skipped), or
 * (size_t)-1: the call whose argument s[i] is. */
static size_t open_paren_before(const char *s, size_t i)
{
    size_t stack[16], depth = 0;
    for (size_t k = 0; k < i; k++) {
        if (s[k] == '#')
            return (size_t)-1;
        if (s[k] == '\'' || s[k] == '"') {
            python_state_t tmp;
            memset(&tmp, 0, sizeof tmp);
            k = skip_string(&tmp, s, i, k) - 1;
            if (tmp.triple)
                return (size_t)-1;
        } else if (s[k] == '(' && depth < sizeof stack / sizeof stack[0]) {
            stack[depth++] = k;
        } else if (s[k] == ')' && depth > 0) {
            depth--;
        }
    }
    return depth > 0 ? stack[depth - 1] : (size_t)-1;
}

/* A shell=True call's severity, as os.system's: a constant command string
 * (`call('sync', shell=True)`) runs nothing from outside and is an
 * advisory, unless it fetches code and runs it; a command built by the
 * program from nothing outside (no source or tainted name in the call) is
 * medium; outside data, or a call opened on an earlier line (its command
 * unseen), stays high. */
static an_severity_t shell_call_sev(const python_state_t *st, const char *s, size_t n, size_t i)
{
    size_t paren = open_paren_before(s, i);
    if (paren == (size_t)-1 || literal_runs_unseen(s + paren, n - paren))
        return AN_SEV_HIGH;
    if (literal_arg(s, n, paren + 1))
        return AN_SEV_LOW;
    return py_sources_in(&st->src, s + paren, n - paren) ? AN_SEV_HIGH : AN_SEV_MEDIUM;
}

/* `shell=<value>` at s[i], the value at s[v]. In a def's signature it is a
 * default, not a call (`def sh(cmd, shell=True):`); such a default makes a
 * `shell=shell` in that function's body a shell call. */
static int shell_keyword(python_state_t *st, unsigned line, const char *s, size_t n, size_t i, size_t v)
{
    size_t vl = true_len(s, n, v);
    if (st->sig_open) {
        st->shell_default |= vl != 0;
        return 0;
    }
    if (!vl && st->shell_default && is_word_at(s, n, v, "shell"))
        vl = 5;
    if (!vl)
        return 0;
    return emit_rule(st, "python.subprocess_shell", shell_call_sev(st, s, n, i), MSG_SUB, line, s + i, v + vl - i);
}

/* Names that mark a download written to a file or a reverse shell's parts;
 * the line's text is looked at only when one of them occurs (the hot path
 * stays the name scan). */
typedef enum { MARK_NONE, MARK_FETCH, MARK_EXEC_MEM, MARK_FUNC_PTR, MARK_REVSHELL } mark_t;

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
    case MARK_FETCH: py_fetched_file(s, n, st->fetched, sizeof st->fetched); break;
    case MARK_EXEC_MEM: st->shellcode |= SC_EXEC_MEM; break;
    case MARK_FUNC_PTR: st->shellcode |= SC_FUNC_PTR; break;
    case MARK_REVSHELL: st->revshell |= py_revshell_marks(s, n); break;
    default: break;
    }
}

/* A loader's name that says it is safe: SafeLoader, CSafeLoader, a
 * subclass named so (SafeOrderedLoader, JsonschemaSafeLoader) or ruamel's
 * RoundTripLoader. "Unsafe" is lower-case in UnsafeLoader. */
static int safe_yaml_loader_name(const char *s, size_t n)
{
    size_t safe = an_find(s, n, "Safe");
    return (safe != (size_t)-1 && an_find(s + safe, n - safe, "Loader") != (size_t)-1) ||
           an_find(s, n, "RoundTripLoader") != (size_t)-1;
}

/* A dotted name at s[i]: calls, shell=True and the yaml loader names. */
static int on_name(python_state_t *st, unsigned line, const char *s, size_t n, size_t i, size_t len)
{
    size_t j = an_skip_space(s, n, i + len);
    const call_rule_t *r;
    if (st->yaml_open && len >= 10 && (safe_yaml_loader_name(s + i, len) ||
                                       an_find(s + i, len, "BaseLoader") != (size_t)-1) &&
        !(strlen(st->yaml_renamed) == len && memcmp(st->yaml_renamed, s + i, len) == 0))
        st->yaml_safe = 1;
    note_name(st, s, n, i, len);
    if (len == 5 && memcmp(s + i, "shell", 5) == 0 && j < n && s[j] == '=' && (j + 1 >= n || s[j + 1] != '='))
        return shell_keyword(st, line, s, n, i, an_skip_space(s, n, j + 1));
    if (j < n && s[j] == '(' && len <= MAX_NAME)
        return on_call(st, line, s, n, i, len, j);
    if (len == 4 && (i == 0 || s[i - 1] != '.') && py_callable_value(s, n, i, len))
        return callable_value(st, line, s, n, i, len, call_lookup(s + i, len));
    if ((r = shell_function_value(s, n, i, len)) != NULL)
        return callable_value(st, line, s, n, i, len, r);
    return 0;
}

static void yaml_paren(python_state_t *st, char c)
{
    if (c == '(')
        st->yaml_depth++;
    else if (st->yaml_depth > 0)
        st->yaml_depth--;
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

/* The dict whose first key's quote is at s[i] is compared, not passed
 * (`assert kwargs == {"shell": True}`): an assert line, or `==`/`!=` before
 * its '{'. */
static int compared_dict(const char *s, size_t n, size_t i)
{
    size_t b = i, a = an_skip_space(s, n, 0);
    if (n - a >= 7 && memcmp(s + a, "assert", 6) == 0 && !an_is_ident((unsigned char)s[a + 6]))
        return 1;
    while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (b == 0 || s[b - 1] != '{')
        return 0;
    for (b--; b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'); b--)
        ;
    return b >= 2 && s[b - 1] == '=' && (s[b - 2] == '=' || s[b - 2] == '!');
}

/* `{'shell': True}` (or 1) at the quote s[i]: keyword arguments kept in a
 * dict and passed as `**kw`. The evidence's length, or 0. */
static size_t shell_key_true(const char *s, size_t n, size_t i)
{
    size_t v;
    if (i + 7 > n || memcmp(s + i + 1, "shell", 5) != 0 || s[i + 6] != s[i])
        return 0;
    v = an_skip_space(s, n, i + 7);
    if (v >= n || s[v] != ':' || compared_dict(s, n, i))
        return 0;
    v = an_skip_space(s, n, v + 1);
    return true_len(s, n, v) ? v + true_len(s, n, v) - i : 0;
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

static int scan_line(python_state_t *st, unsigned line, const char *s, size_t n)
{
    size_t i = 0, q;
    /* where the statement starts; n inside an open triple-quoted string */
    size_t indent = st->triple ? n : an_skip_space(s, n, 0);
    int rc = 0;
    unsigned had_revshell = st->revshell, had_shellcode = st->shellcode;
    if (!st->triple && memchr(s, '=', n))
        py_sources_note_assignment(&st->src, s, n);
    else if (!st->triple && n > 4 && memmem(s, n, " as ", 4))
        py_sources_note_assignment(&st->src, s, n);
    if (n > 12 && indent < n && s[indent] == 'f')
        note_import(st, s, n);
    else if (n > 10 && indent < n && s[indent] == 'i') {
        if (n > 12)
            py_sources_note_module_alias(&st->src, s, n);
        note_yaml_import(st, s, n, indent);
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
    if (st->yaml_open && ++st->yaml_lines > YAML_MAX_LINES && (rc = yaml_close(st)) != 0)
        return rc;
    if ((rc = indirect_line(st, line, s, n)) != 0)
        return rc;
    while (rc == 0 && i < n) {
        unsigned char c = (unsigned char)s[i], k = s_pyclass[c];
        if (k == 0 || k == 5 || (k == 4 && !st->yaml_open && !st->sig_open)) {
            i++;
            continue;
        }
        if (k == 3)
            break;
        if (k == 2) {
            size_t kw;
            int argv = shell_argv_at(s, n, i);
            if ((argv == SHELL_ARGV_C || (argv == SHELL_ARGV_FIRST && feeds_outside_stdin(st, s, n))) &&
                (rc = emit_rule(st, "python.subprocess_shell", AN_SEV_HIGH, MSG_SUB, line, s + i, n - i)) != 0)
                break;
            if ((kw = shell_key_true(s, n, i)) != 0 &&
                (rc = emit_rule(st, "python.subprocess_shell", AN_SEV_HIGH, MSG_SUB, line, s + i, kw)) != 0)
                break;
            i = skip_string(st, s, n, i);
        } else if (k == 1 && (i == 0 || !name_char((unsigned char)s[i - 1]) ||
                              (i >= 2 && s[i - 1] == '.' && (s[i - 2] == ')' || s[i - 2] == ']')))) {
            /* a name, or a method of a call's result: __import__("os").system(cmd) */
            size_t len = 0;
            if ((q = prefix_quote(s, n, i)) != 0) {
                i = skip_string(st, s, n, q);
                continue;
            }
            while (i + len < n && name_char((unsigned char)s[i + len]))
                len++;
            rc = on_name(st, line, s, n, i, len);
            i += len;
        } else {
            if (st->sig_open && (c == '(' || c == ')'))
                sig_paren(st, (char)c);
            if (st->yaml_open && (c == '(' || c == ')')) {
                yaml_paren(st, (char)c);
                if (c == ')' && st->yaml_depth == 0)
                    rc = yaml_close(st);
            }
            i++;
        }
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
        st->sig_open = 0;
        memset(&st->nb, 0, sizeof st->nb);
        if (st->yaml_open && (rc = yaml_close(st)) != 0)
            return rc;
    }
    st->last_line = lineno;
    st->quiet = kind == AN_LINE_CONTEXT;
    if (st->notebook) {
        st->nb_line = lineno;
        rc = py_notebook_line(&st->nb, text, len, notebook_code, st);
    } else if (!st->pth || pth_runs(text, len)) {
        rc = scan_line(st, lineno, text, len);
    }
    st->quiet = 0;
    return rc;
}

static int python_on_file_end(void *ud, const an_file_t *f)
{
    python_state_t *st = ud;
    (void)f;
    return st->yaml_open ? yaml_close(st) : 0;
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
