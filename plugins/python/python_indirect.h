/*
 * python_indirect.h: dangerous callables reached without their plain name
 * (python.c calls these on each added line). Pure functions over one line:
 * no state, no allocation.
 *
 *   getattr(os, "sys" + "tem")          the name as joined string literals
 *   __builtins__.__dict__["exec"](…)    a builtin or module function by subscript
 *   map(exec, …), callback=eval          exec/eval passed as a value
 *   socket + dup2 + a spawned shell      a reverse shell (marks, per file)
 *   urlretrieve(URL, "F") … run_path("F")  a downloaded file run (per file)
 */
#ifndef AIRLOCK_PYTHON_INDIRECT_H
#define AIRLOCK_PYTHON_INDIRECT_H

#include <stddef.h>

typedef enum { PY_IND_NONE = 0, PY_IND_EXEC, PY_IND_SYSTEM } py_indirect_t;

/* getattr's arguments from s[paren] with adjacent and `+`-joined string
 * literals joined: which dangerous name they spell. */
py_indirect_t py_getattr_name(const char *s, size_t n, size_t paren);

/* `["exec"](`, `['system'](`: a dangerous function called through a
 * subscript (builtins' or a module's __dict__, globals(), vars()). *at is
 * where the subscript starts. */
py_indirect_t py_subscript_call(const char *s, size_t n, size_t *at);

/* The name exec/eval at s[i] (len bytes) used as a value, not called:
 * `map(exec, …)`, `f(eval)`, `handler=exec`, `run = exec`. */
int py_callable_value(const char *s, size_t n, size_t i, size_t len);

/* A download written to a file on this line (`urlretrieve(URL, "F")`,
 * `open("F", "wb").write(requests.get(…).content)`): F's last string literal
 * is copied into out (NUL-terminated, at most size-1 bytes). 1 or 0. */
int py_fetched_file(const char *s, size_t n, char *out, size_t size);

/* The line runs the file whose name (a string literal's content) is f:
 * `runpy.run_path("F")`, `exec(open("F").read())`, `["python3", "F"]`,
 * `os.system("sh F")`. */
int py_runs_file(const char *s, size_t n, const char *f);

/* Reverse-shell marks of a line: PY_RS_CONNECT (a socket connects),
 * PY_RS_DUP2 (a descriptor duplicated onto 0/1/2), PY_RS_SHELL (a shell
 * spawned: pty.spawn, "/bin/sh", "/bin/bash", "sh -i"). A file (or one-line
 * command) with all three is a reverse shell. */
#define PY_RS_CONNECT 1u
#define PY_RS_DUP2 2u
#define PY_RS_SHELL 4u
#define PY_RS_ALL 7u
unsigned py_revshell_marks(const char *s, size_t n);

#endif
