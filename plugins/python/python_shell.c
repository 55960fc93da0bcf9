/*
 * python_shell.c: python.subprocess_shell's forms that are not a call of a
 * named function: shell=True (a call's keyword, a def's default, a kwargs
 * dict's key), an argv list handed to a shell (`["sh", "-c", cmd]`), and
 * os.system & co. named as a value; also which literal commands fetch code
 * and run it (`curl URL | sh`), as every shell rule asks. Owns
 * python_state_t's shell_default.
 */
#include "python_internal.h"
#include "python_indirect.h"

#include <string.h>

#define OPEN_CALL_MAX_LINES 40   /* past this, a call's opening is taken as unseen */

/* A literal shell command that fetches code and runs it (`curl URL | sh`,
 * `wget -qO- URL | python3`, `base64 -d ... | bash`): no less dangerous for
 * being written out in full. */
int py_literal_runs_unseen(const char *s, size_t n)
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

/* `input=<download>` (or `stdin=`) on the line: a program read from outside
 * data is fed to what the line starts (`run(["sh"], input=requests.get(u).text)`). */
static int feeds_outside_stdin(const python_state_t *st, const char *s, size_t n)
{
    size_t at = an_find(s, n, "input=");
    if (at == (size_t)-1)
        at = an_find(s, n, "stdin=");
    return at != (size_t)-1 && py_sources_in(&st->src, s + at + 6, n - at - 6);   /* the value, not "stdin" */
}

/* os.system, os.popen, subprocess.getoutput … named, not called, in a
 * value's place. */
const call_rule_t *py_shell_function_value(const char *s, size_t n, size_t i, size_t len)
{
    const call_rule_t *r;
    if (len < 8 || (s[i] != 'o' && s[i] != 's' && s[i] != 'c') || !memchr(s + i, '.', len) ||
        !py_value_position(s, n, i, len))
        return NULL;   /* os., subprocess., commands. */
    r = py_call_lookup(s + i, len);
    return r && (strcmp(r->rule, "python.os_system") == 0 || strcmp(r->rule, "python.subprocess_shell") == 0)
               ? r
               : NULL;
}

/* `True` or `1` at s[i] (shell=True, {'shell': 1}): its length, or 0. */
static size_t true_len(const char *s, size_t n, size_t i)
{
    size_t v;
    if (py_is_word_at(s, n, i, "True"))
        return 4;
    if (py_is_word_at(s, n, i, "1"))
        return 1;
    if (!py_is_word_at(s, n, i, "not"))
        return 0;
    v = an_skip_space(s, n, i + 3);   /* `not False`, `not 0`, `not None` are True too */
    return py_is_word_at(s, n, v, "False") ? v + 5 - i
           : py_is_word_at(s, n, v, "0")   ? v + 1 - i
           : py_is_word_at(s, n, v, "None") ? v + 4 - i
                                         : 0;
}

/* A shell=True call's severity, as os.system's: a constant command string
 * (`call('sync', shell=True)`) runs nothing from outside and is an
 * advisory, unless it fetches code and runs it; a command built by the
 * program from nothing outside (no source or tainted name in the call) is
 * medium; outside data stays high. A call opened on an earlier line is
 * judged by all its lines (python.c open_call_line): high when one holds
 * outside data or fetches code, else medium; unseen (opened before the hunk,
 * or more than OPEN_CALL_MAX_LINES lines up) it stays high. */
static an_severity_t shell_call_sev(const python_state_t *st, const char *s, size_t n, size_t i)
{
    size_t paren = py_open_paren_before(s, i);
    if (paren == (size_t)-1 && st->call_tracked && st->call_lines > 0 && st->call_lines <= OPEN_CALL_MAX_LINES)
        return st->call_src ? AN_SEV_HIGH : AN_SEV_MEDIUM;   /* opened on an earlier line, all of it seen */
    if (paren == (size_t)-1 || py_literal_runs_unseen(s + paren, n - paren))
        return AN_SEV_HIGH;
    if (py_literal_arg(s, n, paren + 1))
        return AN_SEV_LOW;
    return py_sources_in(&st->src, s + paren, n - paren) ? AN_SEV_HIGH : AN_SEV_MEDIUM;
}

/* `shell=<value>` at s[i], the value at s[v]. In a def's signature it is a
 * default, not a call (`def sh(cmd, shell=True):`); such a default makes a
 * `shell=shell` in that function's body a shell call. */
int py_shell_keyword(python_state_t *st, unsigned line, const char *s, size_t n, size_t i, size_t v)
{
    size_t vl = true_len(s, n, v);
    if (st->sig_open) {
        st->shell_default |= vl != 0;
        return 0;
    }
    if (!vl && st->shell_default && py_is_word_at(s, n, v, "shell"))
        vl = 5;
    if (!vl)
        return 0;
    return emit_rule(st, "python.subprocess_shell", shell_call_sev(st, s, n, i), MSG_SUB, line, s + i, v + vl - i);
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

/* A string literal whose quote is at s[i]: a shell's name starting an argv
 * (`["sh", "-c", cmd]`, or `["sh"]` fed outside data on stdin), or the key
 * of `{'shell': True}`. */
int py_shell_at_quote(python_state_t *st, unsigned line, const char *s, size_t n, size_t i)
{
    size_t kw;
    int rc, argv = shell_argv_at(s, n, i);
    if ((argv == SHELL_ARGV_C || (argv == SHELL_ARGV_FIRST && feeds_outside_stdin(st, s, n))) &&
        (rc = emit_rule(st, "python.subprocess_shell", AN_SEV_HIGH, MSG_SUB, line, s + i, n - i)) != 0)
        return rc;
    if ((kw = shell_key_true(s, n, i)) != 0)
        return emit_rule(st, "python.subprocess_shell", AN_SEV_HIGH, MSG_SUB, line, s + i, kw);
    return 0;
}
