/*
 * python_yaml.c: python.yaml_load. A yaml.load call is followed (paren
 * depth) across lines until it closes, since only its whole argument list
 * says whether a safe loader is given; which `yaml` names PyYAML and which
 * loader names are safe. Owns python_state_t's followed call (yaml_open,
 * yaml_line, yaml_depth, yaml_lines, yaml_safe); python_imports.c sets
 * yaml_renamed and yaml_foreign.
 */
#include "python_internal.h"

#include <string.h>

#define YAML_MAX_LINES 40

/* yaml's loaders that construct arbitrary objects: imported under a safe
 * loader's name they are still unsafe. */
int py_yaml_unsafe_loader(const char *s, size_t n)
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
int py_yaml_module(const char *mod, size_t n)
{
    return (n == 6 && memcmp(mod, "ruamel", 6) == 0) || an_find(mod, n, "vendor") != (size_t)-1 ||
           an_find(mod, n, "extern") != (size_t)-1 || an_find(mod, n, "yaml") != (size_t)-1;
}

/* `import yaml` binds PyYAML; `import pkg.yaml as yaml` another package's
 * module of that name (ruamel.yaml and vendored copies excepted). */
void py_yaml_note_import(python_state_t *st, const char *s, size_t n, size_t i)
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

/* The followed call closed (or was given up): reported unless a safe loader
 * was named in it. */
int py_yaml_close(python_state_t *st)
{
    st->yaml_open = 0;
    if (st->yaml_safe)
        return 0;
    /* reported even when the call closes on a context line */
    return an_emit(st->emit, st->ud, "python.yaml_load", AN_SEV_HIGH, st->file, st->yaml_line,
                   MSG_YAML, "yaml.load", 9);
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

/* A parenthesis inside the followed call: the one that closes it reports. */
int py_yaml_paren(python_state_t *st, char c)
{
    if (c == '(')
        st->yaml_depth++;
    else if (st->yaml_depth > 0)
        st->yaml_depth--;
    return c == ')' && st->yaml_depth == 0 ? py_yaml_close(st) : 0;
}

/* `yaml.load(` called at line: followed from here, unless one is already,
 * the line is context, or `yaml` names another package's module. */
void py_yaml_open(python_state_t *st, unsigned line, const char *name, size_t len)
{
    if (st->yaml_open || st->quiet || (st->yaml_foreign && len > 5 && memcmp(name, "yaml.", 5) == 0))
        return;
    st->yaml_open = 1;
    st->yaml_line = line;
    st->yaml_depth = 0;
    st->yaml_lines = 0;
    st->yaml_safe = 0;
}

/* A name inside the followed call: a safe loader's makes it safe (not an
 * unsafe loader imported under a safe one's name). */
void py_yaml_loader_name(python_state_t *st, const char *name, size_t len)
{
    if (st->yaml_open && len >= 10 && (safe_yaml_loader_name(name, len) ||
                                       an_find(name, len, "BaseLoader") != (size_t)-1) &&
        !(strlen(st->yaml_renamed) == len && memcmp(st->yaml_renamed, name, len) == 0))
        st->yaml_safe = 1;
}

/* A new line while a call is followed: given up after YAML_MAX_LINES lines
 * (its finding reported then). */
int py_yaml_line(python_state_t *st)
{
    if (st->yaml_open && ++st->yaml_lines > YAML_MAX_LINES)
        return py_yaml_close(st);
    return 0;
}
