/*
 * python_notebook.h: the code a Jupyter notebook (.ipynb, JSON) runs, read
 * line by line from its JSON text for python.c. A code cell's "source" is an
 * array of JSON strings, one per line of code (or one string holding them
 * all); each is decoded (\n, \", \\, \t, \uXXXX) and handed over as a line
 * of Python. Markdown and raw cells are skipped, and so are lines starting
 * with `!` or `%` (shell escapes and magics: the shell analyzer's business).
 *
 * Known limits: a notebook written on one line (minified JSON) is not read;
 * a decoded line longer than PY_NB_MAX_LINE is handed over in pieces. A cell
 * whose "cell_type" comes after its "source" is read as code.
 *
 * No allocation; the state is the caller's (py_notebook_t).
 */
#ifndef AIRLOCK_PYTHON_NOTEBOOK_H
#define AIRLOCK_PYTHON_NOTEBOOK_H

#include <stddef.h>

#define PY_NB_MAX_LINE 4096

typedef struct {
    int in_source;  /* inside a "source": [ … ] array */
    int skip_cell;  /* the current cell is markdown or raw */
} py_notebook_t;

/* Receives one decoded line of a code cell. Nonzero stops the scan. */
typedef int (*py_nb_code_fn)(void *ud, const char *code, size_t len);

/* One line of the notebook's JSON: calls fn for each line of code it holds.
 * Returns fn's first nonzero result, else 0. */
int py_notebook_line(py_notebook_t *nb, const char *s, size_t n, py_nb_code_fn fn, void *ud);

#endif
