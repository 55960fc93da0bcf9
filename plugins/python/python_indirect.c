/*
 * python_indirect.c: dangerous callables reached without their plain name
 * (python_indirect.h).
 */
#include "python_indirect.h"

#include <string.h>

#include "an_text.h"

static const struct {
    const char *name;
    py_indirect_t kind;
} s_names[] = {
    {"exec", PY_IND_EXEC}, {"eval", PY_IND_EXEC}, {"system", PY_IND_SYSTEM}, {"popen", PY_IND_SYSTEM},
};

/* The identifier at s[i] is a name, not a string prefix (`f"…"`, `b'…'`). */
static int prefix_quote_free(const char *s, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && an_is_ident((unsigned char)s[k]))
        k++;
    return k >= n || (s[k] != '"' && s[k] != '\'');
}

static py_indirect_t name_kind(const char *w, size_t n)
{
    for (size_t k = 0; k < sizeof s_names / sizeof s_names[0]; k++)
        if (strlen(s_names[k].name) == n && memcmp(s_names[k].name, w, n) == 0)
            return s_names[k].kind;
    return PY_IND_NONE;
}

/* A method or slice at s[i] that changes the literal just read into buf
 * (len bytes) the way Python will: `.lower()`, `.casefold()` fold it,
 * `[::-1]` reverses it. Returns the length of the text consumed, or 0. */
static size_t transform_at(const char *s, size_t n, size_t i, char *buf, size_t len)
{
    static const char *const folds[] = {".lower()", ".casefold()"};
    for (size_t k = 0; k < sizeof folds / sizeof folds[0]; k++) {
        size_t m = strlen(folds[k]);
        if (i + m <= n && memcmp(s + i, folds[k], m) == 0) {
            for (size_t c = 0; c < len; c++)
                buf[c] = (char)an_lower((unsigned char)buf[c]);
            return m;
        }
    }
    if (i + 6 <= n && memcmp(s + i, "[::-1]", 6) == 0) {
        for (size_t c = 0; c < len / 2; c++) {
            char t = buf[c];
            buf[c] = buf[len - 1 - c];
            buf[len - 1 - c] = t;
        }
        return 6;
    }
    return 0;
}

/* The string literals of s[from, n) up to `close`, joined (`"sys" + "tem"`,
 * `"sys" "tem"`): each maximal joined run is checked. *end: the index of
 * `close` (n when not found). */
static py_indirect_t joined_kind(const char *s, size_t n, size_t from, char close, size_t *end)
{
    char buf[32];
    size_t len = 0, i, k, depth = 0;
    int in_run = 0;
    py_indirect_t kind = PY_IND_NONE;
    for (i = from; i < n && (s[i] != close || depth > 0); i++) {
        if (s[i] == '"' || s[i] == '\'') {
            char q = s[i];
            size_t e = i + 1;
            while (e < n && s[e] != q)
                e += s[e] == '\\' ? 2 : 1;
            if (e >= n)
                break;
            if (!in_run)
                len = 0;
            for (size_t k = i + 1; k < e && len < sizeof buf; k++)
                buf[len++] = s[k];
            in_run = 1;
            i = e;
            continue;
        }
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '+')
            continue;   /* still joining */
        if (in_run && (k = transform_at(s, n, i, buf, len)) != 0) {
            i += k - 1; /* `'SYSTEM'.lower()`, `'metsys'[::-1]`: the name as it runs */
            continue;
        }
        if (s[i] == '(' || s[i] == '[' || s[i] == '{')
            depth++;    /* a nested call's own arguments: getattr(__import__("os"), …) */
        else if (depth > 0 && (s[i] == ')' || s[i] == ']' || s[i] == '}'))
            depth--;
        if (in_run && !kind)
            kind = name_kind(buf, len);
        in_run = 0;
    }
    if (in_run && !kind)
        kind = name_kind(buf, len);
    *end = i;
    return kind;
}

py_indirect_t py_getattr_name(const char *s, size_t n, size_t paren)
{
    size_t end;
    return joined_kind(s, n, paren + 1, ')', &end);
}

py_indirect_t py_subscript_call(const char *s, size_t n, size_t *at)
{
    for (const char *p = memchr(s, '[', n); p; p = memchr(p + 1, '[', n - (size_t)(p + 1 - s))) {
        size_t i = an_skip_space(s, n, (size_t)(p - s) + 1), e;
        py_indirect_t kind;
        if (i >= n || (s[i] != '"' && s[i] != '\''))
            continue;
        if (!(kind = joined_kind(s, n, i, ']', &e)))   /* ["exec"], ['ex' + 'ec'] */
            continue;
        if (e < n && s[e] == ']' && (e = an_skip_space(s, n, e + 1)) < n && s[e] == '(') {
            *at = (size_t)(p - s);
            return kind;
        }
    }
    return PY_IND_NONE;
}

int py_callable_value(const char *s, size_t n, size_t i, size_t len)
{
    if (len != 4 || (memcmp(s + i, "exec", 4) != 0 && memcmp(s + i, "eval", 4) != 0))
        return 0;
    return py_value_position(s, n, i, len);
}

int py_value_position(const char *s, size_t n, size_t i, size_t len)
{
    size_t a = an_skip_space(s, n, i + len), b = i;
    if (a < n && (s[a] == '(' || s[a] == '.' || s[a] == '=' || s[a] == '['))
        return 0;   /* called, an attribute, assigned to, or subscripted */
    while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    /* an argument (`map(exec,`, `f(x, eval)`) or the right side of `=` */
    return b > 0 && (s[b - 1] == '(' || s[b - 1] == ',' || (s[b - 1] == '=' && (b < 2 || s[b - 2] != '=')));
}

/* `"-c", <not a literal>`: the shell's program is computed (read from somewhere). */
static int computed_after_c(const char *s, size_t n)
{
    size_t at = an_find(s, n, "\"-c\",");
    if (at == (size_t)-1)
        at = an_find(s, n, "'-c',");
    if (at == (size_t)-1)
        return 0;
    at = an_skip_space(s, n, at + 5);
    return at < n && an_is_ident((unsigned char)s[at]) && prefix_quote_free(s, n, at);
}

unsigned py_revshell_marks(const char *s, size_t n)
{
    static const char *const shells[] = {"pty.spawn(", "\"/bin/sh\"", "'/bin/sh'", "\"/bin/bash\"",
                                         "'/bin/bash'", "\"sh\",\"-i\"", "\"sh\", \"-i\"", "'sh','-i'",
                                         "'sh', '-i'", "\"bash\",\"-i\"", "\"bash\", \"-i\"", "'bash', '-i'"};
    unsigned m = 0;
    int fileno = an_find(s, n, "fileno()") != (size_t)-1;
    if (an_find(s, n, "create_connection(") != (size_t)-1 || an_find(s, n, "open_connection(") != (size_t)-1 ||
        an_find(s, n, ".connect((") != (size_t)-1)
        m |= PY_RS_CONNECT | PY_RS_NET;   /* a network peer: (host, port) */
    else if (an_find(s, n, ".connect(") != (size_t)-1)
        m |= PY_RS_CONNECT;
    /* dup2(s.fileno(), 0), or a descriptor handed to the child as its stdin
     * (stdout alone is how output is logged to a file) */
    if (fileno && (an_find(s, n, "dup2(") != (size_t)-1 || an_find(s, n, "stdin=") != (size_t)-1))
        m |= PY_RS_DUP2;
    if (an_find(s, n, ".readline()") != (size_t)-1 || an_find(s, n, ".recv(") != (size_t)-1)
        m |= PY_RS_READ;
    for (size_t k = 0; k < sizeof shells / sizeof shells[0] && !(m & PY_RS_SHELL); k++)
        if (an_find(s, n, shells[k]) != (size_t)-1)
            m |= PY_RS_SHELL;
    if ((m & PY_RS_SHELL) && computed_after_c(s, n))
        m |= PY_RS_SHELL_CMD;
    return m;
}

int py_fetched_file(const char *s, size_t n, char *out, size_t size)
{
    size_t b = 0, e = 0;
    int fetch = an_find(s, n, "urlretrieve(") != (size_t)-1 ||
                (an_find(s, n, ".write(") != (size_t)-1 &&
                 (an_find(s, n, "requests.") != (size_t)-1 || an_find(s, n, "urlopen(") != (size_t)-1 ||
                  an_find(s, n, "httpx.") != (size_t)-1));
    if (!fetch)
        return 0;
    for (size_t i = 0; i < n; i++) {   /* the last literal that is not a URL or a mode */
        if (s[i] != '"' && s[i] != '\'')
            continue;
        size_t k = i + 1;
        while (k < n && s[k] != s[i])
            k++;
        if (k >= n)
            break;
        if (k - i - 1 > 2 && an_find(s + i + 1, k - i - 1, "://") == (size_t)-1) {
            b = i + 1;
            e = k;
        }
        i = k;
    }
    if (e <= b || e - b >= size)
        return 0;
    memcpy(out, s + b, e - b);
    out[e - b] = '\0';
    return 1;
}

int py_runs_file(const char *s, size_t n, const char *f)
{
    /* whole program names only: `"sh` alone would be "shape" */
    static const char *const runners[] = {"run_path(", "exec(", "execfile(", "spec_from_file_location(",
                                          "SourceFileLoader(", "load_source(", "CDLL(", "PyDLL(",
                                          "LoadLibrary(", "\"sh\"", "'sh'", "\"bash\"",
                                          "'bash'", "\"/bin/sh\"", "'/bin/sh'", "\"sh ", "'sh ", "\"bash ",
                                          "'bash ", "\"python\"", "'python'", "\"python3\"", "'python3'",
                                          "\"python ", "'python ", "\"python3 ", "'python3 "};
    size_t m = strlen(f), at;
    int runs = 0;
    for (size_t k = 0; k < sizeof runners / sizeof runners[0] && !runs; k++)
        runs = an_find(s, n, runners[k]) != (size_t)-1;
    if (!runs || m == 0 || (at = an_find(s, n, f)) == (size_t)-1)
        return 0;
    /* the name whole: quoted, or after a space inside a command string */
    return at > 0 && (s[at - 1] == '"' || s[at - 1] == '\'' || s[at - 1] == ' ') &&
           (at + m == n || s[at + m] == '"' || s[at + m] == '\'' || s[at + m] == ' ');
}
