/*
 * python_calls.c: a name followed by '(' judged against the call table (or
 * an alias, a method of a module object, getattr by a string name), and
 * exec/eval or os.system handed over as a value: each rule's severity by
 * its kind (a literal argument, outside data, decoded code, a safe keyword,
 * a pickle round trip). Owns no state of its own.
 */
#include "python_internal.h"
#include "python_indirect.h"

#include <string.h>

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
        return py_call_lookup("system", 6);
    if (tail == 5 && memcmp(dot + 1, "popen", 5) == 0)
        return py_call_lookup("popen", 5);
    if (tail >= 9 && dot - (s + at) >= 4 && memcmp(s + at, "self", 4) == 0 &&
        (dot - (s + at) == 4 || s[at + 4] == '.'))
        return NULL;   /* self.getoutput, self.shell.getoutput: the object's own method (IPython) */
    if (tail == 9 && memcmp(dot + 1, "getoutput", 9) == 0)   /* x = __import__("subprocess") */
        return py_call_lookup("subprocess.getoutput", 20);
    if (tail == 15 && memcmp(dot + 1, "getstatusoutput", 15) == 0)
        return py_call_lookup("subprocess.getstatusoutput", 26);
    return NULL;
}

/* `NAME = getattr(obj, "exec")` with nothing after the call (six's `exec_`,
 * sympy's `getattr(cls, 'eval', cls)`): the attribute is bound, not called.
 * NAME becomes an alias of r, judged at its calls as `run = exec` is.
 * Whether the line is that binding (the alias then noted). The builtins
 * module itself named first (`f = getattr(builtins, 'eval')`) stays an
 * evasion to report; six's `moves.builtins` is its portable spelling. */
static int bound_not_called(python_state_t *st, const char *s, size_t n, size_t at, size_t paren,
                            const call_rule_t *r)
{
    size_t a = an_skip_space(s, n, 0), e, k, depth = 0;
    char triple = 0;
    if (!r || st->n_alias >= MAX_ALIAS || memcmp(s + at, "getattr", 7) != 0)
        return 0;
    k = an_skip_space(s, n, paren + 1);
    if (py_is_word_at(s, n, k, "builtins") || py_is_word_at(s, n, k, "__builtins__"))
        return 0;
    for (e = a; e < at && an_is_ident((unsigned char)s[e]); e++)
        ;
    if (e == a || e - a >= TAINT_NAME || an_skip_space(s, n, e) >= at || s[an_skip_space(s, n, e)] != '=' ||
        an_skip_space(s, n, an_skip_space(s, n, e) + 1) != at)
        return 0;
    for (k = paren; k < n; k++) {
        if (s[k] == '\'' || s[k] == '"') {
            k = py_skip_string(s, n, k, &triple) - 1;
            if (triple)
                return 0;
        } else if (s[k] == '(') {
            depth++;
        } else if (s[k] == ')' && --depth == 0) {
            break;
        }
    }
    if (k >= n || (an_skip_space(s, n, k + 1) < n && s[an_skip_space(s, n, k + 1)] != '#'))
        return 0;   /* not closed on this line, or the result is called, indexed … */
    py_alias_add(st, s + a, e - a, r);
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
            if (bound_not_called(st, s, n, at, paren, py_call_lookup(names[k].as, strlen(names[k].as))))
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

/* exec, eval, compile (bare or builtins'): their first argument is source
 * text, which python_read_origin.c may trace to the file it was read from. */
static int runs_source_text(const call_rule_t *r)
{
    const char *t = strrchr(r->name, '.');
    t = t ? t + 1 : r->name;
    return r->kind == K_NONLITERAL && (strcmp(t, "exec") == 0 || strcmp(t, "eval") == 0 || strcmp(t, "compile") == 0);
}

/* How much of the arguments at s[paren] may hold outside data: compile's
 * first argument only (its file name is a label, pdb's '<stdin>'); the rest
 * of the line for the others. */
static size_t source_len(const call_rule_t *r, const char *s, size_t n, size_t paren)
{
    size_t end;
    if (strcmp(r->rule, "python.compile") == 0 && (end = py_arg_end(s, n, paren + 1)) != (size_t)-1)
        return end - paren;
    return n - paren;
}

/* A name followed by '(' at s[paren]. */
int py_call_at(python_state_t *st, unsigned line, const char *s, size_t n,
               size_t at, size_t len, size_t paren)
{
    const call_rule_t *r;
    an_severity_t sev;
    int method = 0;
    if (at >= 4 && memcmp(s + at - 4, "def ", 4) == 0)
        return 0;   /* `def runcode(self, code):` defines, does not call */
    r = py_call_lookup(s + at, len);
    if (!r && st->n_alias && (at == 0 || s[at - 1] != '.'))
        r = py_alias_lookup(st, s + at, len);
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
        if (py_literal_arg(s, n, paren + 1))
            return 0;
        if ((r->rule[7] == 'e' || r->rule[7] == 'c') && py_sources_decodes(&st->src, s + paren, n - paren))
            return emit_rule(st, "python.decode_exec", AN_SEV_CRITICAL, MSG_DECODE, line, s + at, n - at);
        sev = py_sources_in(&st->src, s + paren, source_len(r, s, n, paren)) ? r->sev : AN_SEV_LOW;
        if (runs_source_text(r)) {
            switch (py_read_origin(st, s, n, paren)) {
            case PY_READ_REPO: sev = AN_SEV_LOW; break;   /* the repository's own file: as an import */
            case PY_READ_OUTSIDE: sev = r->sev; break;    /* a file under /tmp or a home */
            default: break;
            }
        }
        break;
    case K_SYSTEM:
        sev = py_literal_runs_unseen(s + paren, n - paren)   ? r->sev
              : py_literal_arg(s, n, paren + 1)              ? AN_SEV_LOW
              : py_sources_in(&st->src, s + paren, n - paren) ? r->sev
                                                          : AN_SEV_MEDIUM;
        break;
    case K_DESER_UNLESS:
    case K_DESER_IF:
        if (py_keyword_true(s + paren, n - paren, r->kw) != (r->kind == K_DESER_IF))
            return 0;
        /* fall through */
    case K_DESER:
        if (round_trip_arg(s, n, paren + 1))
            return 0;   /* pickle.loads(pickle.dumps(x)): a copy, nothing read */
        sev = py_sources_in(&st->src, s + paren, n - paren) ? r->sev : AN_SEV_LOW;
        break;
    case K_SHELLCMD:
        sev = py_literal_runs_unseen(s + paren, n - paren) || py_sources_in(&st->src, s + paren, n - paren) ? r->sev
                                                                                                : AN_SEV_LOW;
        break;
    case K_YAML:
        py_yaml_open(st, line, s + at, len);
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
int py_callable_handed(python_state_t *st, unsigned line, const char *s, size_t n, size_t i, size_t len,
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
            py_alias_add(st, s + a, e - a, r);
            return 0;
        }   /* else a keyword argument (`Thread(target=exec, …)`): a value handed over */
    }
    return emit_rule(st, r->rule,
                     py_sources_in(&st->src, s, n) || py_literal_runs_unseen(s, n) ? r->sev : AN_SEV_LOW, r->msg, line,
                     s + i, len);
}
