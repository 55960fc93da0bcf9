/*
 * python_indirect.h: dangerous callables reached without their plain name
 * (python.c calls these on each added line). Pure functions over one line:
 * no state, no allocation.
 *
 *   getattr(os, "sys" + "tem")          the name as joined string literals (also
 *                                        `'SYSTEM'.lower()`, `'metsys'[::-1]`)
 *   __builtins__.__dict__["exec"](…)    a builtin or module function by subscript
 *   map(exec, …), callback=eval          exec/eval passed as a value (os.system too:
 *                                        `partial(os.system, …)`, `target=os.system`)
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

/* The name at s[i] (len bytes) in a value's place: an argument (`f(x, os.system)`),
 * a keyword argument's value (`target=os.system`) or the right side of `=`;
 * not called, subscripted, assigned to or an attribute's base. */
int py_value_position(const char *s, size_t n, size_t i, size_t len);

/* A download written to a file on this line (`urlretrieve(URL, "F")`,
 * `open("F", "wb").write(requests.get(…).content)`): F's last string literal
 * is copied into out (NUL-terminated, at most size-1 bytes). 1 or 0. */
int py_fetched_file(const char *s, size_t n, char *out, size_t size);

/* The line runs the file whose name (a string literal's content) is f:
 * `runpy.run_path("F")`, `exec(open("F").read())`, `["python3", "F"]`,
 * `os.system("sh F")`. */
int py_runs_file(const char *s, size_t n, const char *f);

/* Reverse-shell marks of a line: PY_RS_CONNECT (a socket connects:
 * .connect(, create_connection(, asyncio's open_connection(), PY_RS_DUP2 (a
 * descriptor duplicated onto 0/1/2, or a fileno() given as a child's stdin),
 * PY_RS_SHELL (a shell spawned: pty.spawn, "/bin/sh",
 * "/bin/bash", "sh -i"), PY_RS_READ (a line read from a stream: .readline(),
 * .recv(), PY_RS_SHELL_CMD (a shell whose -c program is computed), PY_RS_NET
 * (a connection to (host, port)). A file (or one-line command) with connect,
 * dup2 and a shell, or with a network connection, a read and a shell
 * running a computed program, is a reverse shell. */
#define PY_RS_CONNECT 1u
#define PY_RS_DUP2 2u
#define PY_RS_SHELL 4u
#define PY_RS_READ 8u
#define PY_RS_SHELL_CMD 16u
#define PY_RS_NET 32u   /* the connection is surely a network one (sqlite3.connect is not) */
#define PY_RS_ALL (PY_RS_CONNECT | PY_RS_DUP2 | PY_RS_SHELL)
#define PY_RS_STREAM (PY_RS_NET | PY_RS_READ | PY_RS_SHELL_CMD)
unsigned py_revshell_marks(const char *s, size_t n);

/* Whether the marks make a reverse shell. */
static inline int py_revshell_complete(unsigned m)
{
    return (m & PY_RS_ALL) == PY_RS_ALL || (m & PY_RS_STREAM) == PY_RS_STREAM;
}

#endif
