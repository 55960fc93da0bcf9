/*
 * python_read_origin.c: where the source that exec/eval/compile runs was
 * read from. setup.py and docs/conf.py run a file of the repository itself
 * (`exec(open('src/pkg/version.py').read())`, `with open(os.path.join(here,
 * 'pkg', '__init__.py')) as f: exec(f.read(), about)`): no more than an
 * import, an advisory whatever the path's words (requests' own setup.py
 * names its folder 'requests'). A file under /tmp or a user's home is
 * outside data: the rule's own severity.
 *
 * An expression comes from the repository when every token is a relative
 * string literal (at most two `..` in all), __file__, a path function
 * (os.path.join/dirname/abspath, pathlib.Path, .parent …), open/read, a
 * keyword of open, or a name this file bound to such an expression earlier
 * (`here = os.path.dirname(__file__)`, `with open(P) as f`). Any other name
 * (an argument, sys.argv, os.environ, a download) makes it unknown, and the
 * usual outside-data rules judge it. A name is forgotten when rebound to
 * anything else (assignment, `for`, `as`, a def's parameter, an import) or
 * written to (`open(P, 'w')`, `.write(`, urlretrieve).
 *
 * A name once bound to outside data (a source on an earlier line, /tmp) is
 * never known again in that file: another branch may have bound it. Runs
 * before python_sources.c notes the line, so a name's own first binding
 * (`path = os.path.join(here, 'requests', 'v.py')`) is not held against it.
 *
 * Owns python_state_t's repo_name and outside_name tables.
 */
#include "python_internal.h"

#include <string.h>

#define MAX_UPS 2   /* `..` components: docs/conf.py reads ../pkg/version.py */

/* Names whose value, given repository paths, is a repository path or a
 * repository file's text. */
static const char *const s_path_names[] = {
    "open", "io.open", "codecs.open", "compile", "__file__", "os.path.join", "os.path.dirname",
    "os.path.abspath", "os.path.realpath", "os.path.normpath", "path.join", "path.dirname", "path.abspath",
    "path.realpath", "path.normpath", "join", "dirname", "abspath", "realpath", "normpath", "Path",
    "pathlib.Path", "os.sep", "os.curdir", "encoding", "mode", "errors", "newline",
};
/* Methods on a value of those (after `).` or a known name's `.`). */
static const char *const s_path_methods[] = {
    "read", "read_text", "read_bytes", "resolve", "absolute", "joinpath", "parent", "format", "decode",
};
/* Names of places outside the repository that anyone may write to. */
static const char *const s_outside_names[] = {
    "expanduser", "home", "gettempdir", "mkdtemp", "mkstemp", "tempfile",
};

typedef struct {
    int unknown;    /* a token that is neither */
    int reads;      /* open / read / a known name */
    int outside;    /* /tmp, ~, expanduser, gettempdir … */
    int writes;     /* an open mode that writes */
    int pathy;      /* a path function, __file__ or a known name: more than a constant */
    unsigned ups;   /* `..` components in its literals */
} origin_t;

static int in_list(const char *const *list, size_t count, const char *s, size_t n)
{
    for (size_t k = 0; k < count; k++)
        if (n > 0 && list[k][0] == s[0] && strncmp(list[k], s, n) == 0 && list[k][n] == '\0')
            return 1;
    return 0;
}

static int repo_name_index(const python_state_t *st, const char *s, size_t n)
{
    for (unsigned k = 0; k < st->n_repo; k++)
        if (n < TAINT_NAME && strncmp(st->repo_name[k], s, n) == 0 && st->repo_name[k][n] == '\0')
            return (int)k;
    return -1;
}

static void repo_name_forget(python_state_t *st, const char *s, size_t n)
{
    int k = repo_name_index(st, s, n);
    if (k < 0)
        return;
    memmove(st->repo_name[k], st->repo_name[k + 1], (st->n_repo - (unsigned)k - 1) * sizeof st->repo_name[0]);
    st->n_repo--;
}

/* Whether NAME was bound to outside data earlier in this file: in another
 * branch (`if …: p = sys.argv[1] else: p = 'v.py'`) it may still hold it. */
static int outside_bound(const python_state_t *st, const char *s, size_t n)
{
    for (unsigned k = 0; k < st->n_outside; k++)
        if (n < TAINT_NAME && strncmp(st->outside_name[k], s, n) == 0 && st->outside_name[k][n] == '\0')
            return 1;
    return 0;
}

static void repo_name_add(python_state_t *st, const char *s, size_t n)
{
    if (repo_name_index(st, s, n) >= 0 || st->n_repo >= PY_REPO_NAMES || n >= TAINT_NAME ||
        outside_bound(st, s, n) || py_sources_tainted(&st->src, s, n))
        return;   /* bound to outside data on an earlier line: another branch may hold it */
    memcpy(st->repo_name[st->n_repo], s, n);
    st->repo_name[st->n_repo++][n] = '\0';
}

/* A string literal's content c[0, n): where it points. */
static void literal_origin(origin_t *o, const char *c, size_t n)
{
    size_t k;
    if (n > 0 && (c[0] == '~' || (n >= 4 && memcmp(c, "/tmp", 4) == 0) ||
                  (n >= 8 && memcmp(c, "/var/tmp", 8) == 0) || (n >= 8 && memcmp(c, "/dev/shm", 8) == 0)))
        o->outside = 1;
    else if (n > 0 && (c[0] == '/' || c[0] == '\\' || an_find(c, n, "://") != (size_t)-1 || memchr(c, '$', n)))
        o->unknown = 1;
    for (k = 0; k + 1 < n; k++)
        if (c[k] == '.' && c[k + 1] == '.')
            o->ups++;
    for (k = 0; k < n && strchr("rwaxbt+", c[k]); k++)
        ;
    if (n > 0 && n <= 3 && k == n && (memchr(c, 'w', n) || memchr(c, 'a', n) || memchr(c, 'x', n)))
        o->writes = 1;
}

/* The dotted name s[i, i + len), a method of a call's result when after_call. */
static void name_origin(const python_state_t *st, origin_t *o, const char *s, size_t len, int after_call)
{
    const char *dot, *t;
    size_t tl;
    if (st->n_repo == 0 && !after_call && !memchr("_acdeghijmnoprtPT", s[0], 17)) {
        o->unknown = 1;   /* no list's name starts so (the common case: self.x, foo(…)) */
        return;
    }
    dot = memrchr(s, '.', len);
    t = dot ? dot + 1 : s;
    tl = len - (size_t)(t - s);
    if (in_list(s_outside_names, sizeof s_outside_names / sizeof s_outside_names[0], t, tl) ||
        (len > 9 && memcmp(s, "tempfile.", 9) == 0)) {
        o->outside = 1;
        return;
    }
    if (!after_call && in_list(s_path_names, sizeof s_path_names / sizeof s_path_names[0], s, len)) {
        o->reads |= (tl == 4 && memcmp(t, "open", 4) == 0);
        o->pathy = 1;
        return;
    }
    /* a known name, or a call's result, with path methods after it:
     * here.parent, f.read, Path(__file__).parent.parent */
    const char *first_dot = memchr(s, '.', len);
    size_t head = first_dot ? (size_t)(first_dot - s) : len;
    if (after_call || repo_name_index(st, s, head) >= 0) {
        if (after_call && !in_list(s_path_methods, sizeof s_path_methods / sizeof s_path_methods[0], s, head)) {
            o->unknown = 1;
            return;
        }
        o->reads |= after_call && head >= 4 && memcmp(s, "read", 4) == 0;
        for (size_t k = head; k < len;) {
            size_t e = k + 1;
            while (e < len && s[e] != '.')
                e++;
            if (!in_list(s_path_methods, sizeof s_path_methods / sizeof s_path_methods[0], s + k + 1, e - k - 1)) {
                o->unknown = 1;
                return;
            }
            o->reads |= e - k - 1 >= 4 && memcmp(s + k + 1, "read", 4) == 0;
            k = e;
        }
        o->reads |= !after_call;
        o->pathy = 1;
        return;
    }
    o->unknown = 1;
}

/* The tokens of s[i, end). */
static origin_t expr_origin(const python_state_t *st, const char *s, size_t i, size_t end)
{
    origin_t o = {0};
    while (i < end && !o.unknown) {
        unsigned char c = (unsigned char)s[i];
        size_t q = 0;
        if (c == '#')
            break;   /* a comment ends the expression */
        if (c == '\'' || c == '"' || (strchr("rRbBuUfF", c) && c && (q = py_prefix_quote(s, end, i)) != 0)) {
            char triple = 0;
            size_t at = (c == '\'' || c == '"') ? i : q, e;
            for (size_t k = i; k < at; k++)
                if (s[k] == 'f' || s[k] == 'F')
                    o.unknown = 1;   /* an f-string holds any expression */
            e = py_skip_string(s, end, at, &triple);
            if (triple || e > end || e < at + 2) {
                o.unknown = 1;
                break;
            }
            literal_origin(&o, s + at + 1, e - at - 2);
            i = e;
        } else if (an_is_ident(c) && !(c >= '0' && c <= '9')) {
            size_t e = i;
            int after_call = i >= 2 && s[i - 1] == '.' && (s[i - 2] == ')' || s[i - 2] == ']');
            while (e < end && name_char((unsigned char)s[e]))
                e++;
            name_origin(st, &o, s + i, e - i, after_call);
            i = e;
        } else if ((c >= '0' && c <= '9') || c == ' ' || c == '\t' || c == '(' || c == ')' || c == ',' ||
                   c == '/' || c == '+' || c == '%' || c == '=' || c == '.') {
            i++;
        } else {
            o.unknown = 1;
        }
    }
    if (o.ups > MAX_UPS)
        o.unknown = 1;
    return o;
}

py_read_origin_t py_read_origin(const python_state_t *st, const char *s, size_t n, size_t paren)
{
    size_t a = an_skip_space(s, n, paren + 1), end = py_arg_end(s, n, a);
    origin_t o;
    if (end == (size_t)-1 || end == a)
        return PY_READ_UNKNOWN;
    o = expr_origin(st, s, a, end);
    if (o.outside && o.reads)
        return PY_READ_OUTSIDE;
    return !o.unknown && !o.outside && !o.writes && o.reads ? PY_READ_REPO : PY_READ_UNKNOWN;
}

/* A string literal on the line that is an open mode that writes ('w', 'ab'). */
static int line_writes(const char *s, size_t end)
{
    for (size_t k = 0; k < end; k++)
        if (s[k] == '\'' || s[k] == '"') {
            origin_t o = {0};
            char triple = 0;
            size_t e = py_skip_string(s, end, k, &triple);
            if (triple || e > end || e < k + 2)
                return 0;
            literal_origin(&o, s + k + 1, e - k - 2);
            if (o.writes)
                return 1;
            k = e - 1;
        }
    return 0;
}

/* Forgets every known name that occurs on the line as a word. */
static void forget_words(python_state_t *st, const char *s, size_t n)
{
    for (unsigned k = st->n_repo; k-- > 0;)
        if (an_find_word(s, n, st->repo_name[k]) != (size_t)-1)
            repo_name_forget(st, st->repo_name[k], strlen(st->repo_name[k]));
}

/* NAME bound to s[a, end): known when it comes from the repository. */
static void bind(python_state_t *st, const char *name, size_t len, const char *s, size_t a, size_t end)
{
    origin_t o = expr_origin(st, s, a, end);
    if (o.unknown || o.outside || o.writes || !o.pathy) {
        repo_name_forget(st, name, len);   /* constants are not remembered: they read nothing */
        if (o.outside &&
            st->n_outside < PY_REPO_NAMES && len < TAINT_NAME && !outside_bound(st, name, len)) {
            memcpy(st->outside_name[st->n_outside], name, len);   /* for good, in this file */
            st->outside_name[st->n_outside++][len] = '\0';
        }
    }
    else
        repo_name_add(st, name, len);
}

/* The end of the statement's code: a comment, or the line's end. */
static size_t code_end(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (s[k] == '#')
            return k;
        if (s[k] == '\'' || s[k] == '"') {
            char triple = 0;
            k = py_skip_string(s, n, k, &triple) - 1;
            if (triple)
                return n;
        }
    }
    return n;
}

/* s[i, …) is a target list before an assignment (`a, b =`, `x +=`): names,
 * commas and spaces up to a '=' (an augmented operator before it), not '=='. */
static int target_list(const char *s, size_t i, size_t end)
{
    size_t k = i;
    while (k < end && (name_char((unsigned char)s[k]) || s[k] == ',' || s[k] == ' ' || s[k] == '\t' || s[k] == '*'))
        k++;
    if (k < end && k + 1 < end && strchr("+-/%&|^@<>", s[k]) && s[k + 1] == '=')
        return 1;
    return k < end && s[k] == '=' && (k + 1 >= end || s[k + 1] != '=');
}

/* The statement at s[i] starts with the keyword w (a string literal). */
#define starts_with_word(s, i, end, w) word_at(s, i, end, w, sizeof w - 1)
static int word_at(const char *s, size_t i, size_t end, const char *w, size_t m)
{
    return end - i > m && s[i] == w[0] && memcmp(s + i, w, m) == 0 && !an_is_ident((unsigned char)s[i + m]);
}

/* The line binds names other than by `NAME =` (a loop, a def's parameters,
 * an import, `:=`) or opens a file for writing: the known names on it are
 * unknown from then on. Comprehensions' and lambdas' names do not leak. */
static int line_rebinds(const char *s, size_t i, size_t end)
{
    int opens = 0;
    if (starts_with_word(s, i, end, "for") || starts_with_word(s, i, end, "def") ||
        starts_with_word(s, i, end, "async") || starts_with_word(s, i, end, "import") ||
        starts_with_word(s, i, end, "from") || starts_with_word(s, i, end, "global") ||
        starts_with_word(s, i, end, "nonlocal"))
        return 1;
    for (size_t k = i; k + 1 < end; k++) {
        if (s[k] == ':' && s[k + 1] == '=')
            return 1;
        if (s[k] == 'o' && k + 4 < end && s[k + 1] == 'p' && s[k + 2] == 'e' && s[k + 3] == 'n')
            opens = 1;
    }
    return opens && line_writes(s, end);
}

void py_read_origin_forget_line(python_state_t *st, const char *s, size_t n)
{
    if (st->n_repo)
        forget_words(st, s, code_end(s, n));
}

void py_read_origin_note_line(python_state_t *st, const char *s, size_t n)
{
    size_t i = an_skip_space(s, n, 0), e, as, end, from;
    int assigns, with;
    if (i >= n)
        return;
    for (e = i; e < n && an_is_ident((unsigned char)s[e]); e++)
        ;
    as = an_skip_space(s, n, e);
    assigns = e > i && as < n && s[as] == '=' && (as + 1 >= n || s[as + 1] != '=');
    from = starts_with_word(s, i, n, "async") ? an_skip_space(s, n, i + 5) : i;
    with = starts_with_word(s, from, n, "with") || starts_with_word(s, i, n, "except");
    if (st->n_repo == 0 && !with) {
        if (assigns && memchr(s + as, '(', n - as))   /* a path is made by a call: join, dirname, open */
            bind(st, s + i, e - i, s, as + 1, n);   /* NAME = …: its tokens stop at a comment */
        return;   /* nothing known to forget */
    }
    end = code_end(s, n);
    if (st->n_repo && line_rebinds(s, i, end))
        forget_words(st, s, end);   /* rebound or written to: unknown from now on */
    if (assigns && as < end) {
        bind(st, s + i, e - i, s, as + 1, end);   /* NAME = … */
        return;
    }
    if (e > i && as < end && s[as] != '=' && target_list(s, i, end)) {
        /* NAME += …, NAME, other = …: rebound to something else */
        for (size_t k = i; k < end && s[k] != '='; k++)
            if (an_is_ident((unsigned char)s[k]) && (k == i || !name_char((unsigned char)s[k - 1]))) {
                size_t w = k;
                while (w < end && an_is_ident((unsigned char)s[w]))
                    w++;
                repo_name_forget(st, s + k, w - k);
                k = w;
            }
        return;
    }
    if (!with)
        return;   /* `import x as y` is a rebinding above; no other statement binds with `as` */
    if ((as = an_find(s, end, " as ")) != (size_t)-1) {
        size_t l = an_skip_space(s, end, as + 4), w = l;
        while (w < end && an_is_ident((unsigned char)s[w]))
            w++;
        if (w == l)
            return;
        if (starts_with_word(s, from, end, "with") && py_arg_end(s, as, from + 5) == (size_t)-1)
            bind(st, s + l, w - l, s, from + 5, as);   /* with open(P) as f: */
        else
            repo_name_forget(st, s + l, w - l);
    }
}
