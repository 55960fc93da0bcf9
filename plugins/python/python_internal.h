/*
 * python_internal.h: what the files of the `python` analyzer core share: the
 * per-scan state (python_state_t), the call rule type and its messages, and
 * the functions one file calls in another. Internal to plugins/python.
 *
 * The calls go one way (no file calls back into one that calls it):
 *   python.c (line scanner, visitor) -> python_calls.c, python_shell.c, python_read_origin.c,
 *                                       python_imports.c, python_yaml.c, python_call_table.c,
 *                                       python_lex.c, python_sources.c, python_indirect.c,
 *                                       python_notebook.c
 *   python_calls.c (a name called)   -> python_imports.c, python_shell.c, python_yaml.c,
 *                                       python_read_origin.c,
 *                                       python_call_table.c, python_lex.c, python_sources.c,
 *                                       python_indirect.c
 *   python_shell.c (shell=True, argv) -> python_call_table.c, python_lex.c, python_sources.c,
 *                                       python_indirect.c
 *   python_imports.c (from … import)  -> python_yaml.c, python_call_table.c, python_sources.c
 *   python_yaml.c (yaml.load)         -> python_lex.c
 *   python_read_origin.c              -> python_lex.c
 *   python_call_table.c, python_lex.c -> no other file of plugins/python
 */
#ifndef AIRLOCK_PYTHON_INTERNAL_H
#define AIRLOCK_PYTHON_INTERNAL_H

#include <stddef.h>

#include "an_command.h"
#include "an_core.h"
#include "an_text.h"
#include "python_lex.h"
#include "python_notebook.h"
#include "python_sources.h"

#define MAX_NAME 64
#define TAINT_NAME 32
#define MAX_ALIAS 8
#define PY_REPO_NAMES 8     /* names bound to a repository path or file, per file */
#define PY_SECRET_NAMES 8   /* names bound to the environment or a credential file, per file */

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
    /* names bound to a repository path, file or its text (python_read_origin.c) */
    char repo_name[PY_REPO_NAMES][TAINT_NAME];
    unsigned n_repo;
    char outside_name[PY_REPO_NAMES][TAINT_NAME];   /* names once bound to outside data */
    unsigned n_outside;
    /* a call left open across lines (python.c open_call_line) */
    unsigned depth;         /* parentheses open at this point of the statement */
    unsigned call_lines;    /* lines since it opened, this one included */
    int call_src;           /* one of them holds outside data or fetches code */
    int call_src_pending;   /* the opening line did (until the next line starts) */
    int call_tracked;       /* its opening line starts a process: its lines are checked */
    int call_tracked_pending;
    int line_subprocess;    /* this line names run, call, Popen, check_output … */
    char secret_name[PY_SECRET_NAMES][TAINT_NAME];  /* bound to os.environ or a credential file */
    unsigned n_secret;
    int line_secret, line_send;   /* this line names a secret, a network send (python_exfil.c) */
} python_state_t;
_Static_assert(sizeof(python_state_t) <= AN_STATE_MAX, "python state must fit the driver's buffer");

static inline int name_char(unsigned char c)
{
    return an_is_ident(c) || c == '.';
}

/* Reports a finding of an added line; a context line reports nothing. */
static inline int emit_rule(python_state_t *st, const char *rule, an_severity_t sev, const char *msg,
                            unsigned line, const char *ev, size_t evn)
{
    if (st->quiet)
        return 0;
    return an_emit(st->emit, st->ud, rule, sev, st->file, line, msg, ev, evn);
}

/* python_read_origin.c: where the source exec/eval/compile runs was read
 * from: a file of the repository (`exec(open('pkg/version.py').read())`),
 * one under /tmp or a home (outside data), or unknown. */
typedef enum { PY_READ_UNKNOWN, PY_READ_REPO, PY_READ_OUTSIDE } py_read_origin_t;
py_read_origin_t py_read_origin(const python_state_t *st, const char *s, size_t n, size_t paren);
/* Per line: names bound to (or no longer bound to) a repository path or file. */
void py_read_origin_note_line(python_state_t *st, const char *s, size_t n);
/* A line that writes a download to a file: its known names are unknown from now on. */
void py_read_origin_forget_line(python_state_t *st, const char *s, size_t n);

/* python_exfil.c: the environment or a credential file handed to a network
 * send on this line, directly or by a name bound to it earlier in the file. */
int py_exfil_line(python_state_t *st, unsigned line, const char *s, size_t n);
/* The line scan's names (`os.environ`, `x.post(`) and string literals of this line. */
void py_exfil_name(python_state_t *st, const char *s, size_t n, size_t i, size_t len);
void py_exfil_literal(python_state_t *st, const char *lit, size_t n);

/* python_coding.c: a PEP 263 declaration (`# coding: utf-7`) of an encoding
 * under which plain ASCII decodes to a newline. Returns 1 and the name's
 * place in the line when it is one. */
int py_coding_hides(const char *s, size_t n, size_t *at, size_t *len);

/* python_call_table.c: the calls that have a rule. */
const call_rule_t *py_call_lookup(const char *name, size_t n);

/* python_yaml.c: yaml.load followed to its closing parenthesis, and which
 * names bind PyYAML and its loaders. */
void py_yaml_note_import(python_state_t *st, const char *s, size_t n, size_t i);
int py_yaml_unsafe_loader(const char *s, size_t n);
int py_yaml_module(const char *mod, size_t n);
void py_yaml_open(python_state_t *st, unsigned line, const char *name, size_t len);
void py_yaml_loader_name(python_state_t *st, const char *name, size_t len);
int py_yaml_paren(python_state_t *st, char c);
int py_yaml_line(python_state_t *st);
int py_yaml_close(python_state_t *st);

/* python_imports.c: names bound by `from MOD import NAME as LOCAL`, and
 * other aliases of the rules' functions. */
void py_imports_note(python_state_t *st, const char *s, size_t n);
void py_alias_add(python_state_t *st, const char *name, size_t len, const call_rule_t *r);
const call_rule_t *py_alias_lookup(const python_state_t *st, const char *name, size_t n);

/* python_shell.c: commands run through a shell. */
int py_literal_runs_unseen(const char *s, size_t n);
int py_shell_at_quote(python_state_t *st, unsigned line, const char *s, size_t n, size_t i);
int py_shell_keyword(python_state_t *st, unsigned line, const char *s, size_t n, size_t i, size_t v);
const call_rule_t *py_shell_function_value(const char *s, size_t n, size_t i, size_t len);

/* python_calls.c: a name called (`os.system(…)`) or handed over as a value
 * (`map(exec, …)`). */
int py_call_at(python_state_t *st, unsigned line, const char *s, size_t n, size_t at, size_t len, size_t paren);
int py_callable_handed(python_state_t *st, unsigned line, const char *s, size_t n, size_t i, size_t len,
                       const call_rule_t *r);

#endif
