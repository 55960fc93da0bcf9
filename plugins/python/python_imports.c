/*
 * python_imports.c: the names a Python file binds to the rules' functions
 * under other names: `from os import system as run` (note), `run = exec`
 * and `f = getattr(obj, "exec")` (python_calls.c adds those). Judged at
 * their calls as the function itself. Owns python_state_t's alias table.
 */
#include "python_internal.h"

#include <string.h>

/* LOCAL (len bytes) calls r's function from now on in this file; past
 * MAX_ALIAS names, or a name too long to keep, it is not remembered. */
void py_alias_add(python_state_t *st, const char *name, size_t len, const call_rule_t *r)
{
    if (st->n_alias >= MAX_ALIAS || len >= TAINT_NAME)
        return;
    memcpy(st->alias[st->n_alias], name, len);
    st->alias[st->n_alias][len] = '\0';
    st->alias_rule[st->n_alias++] = r;
}

/* `from MOD import NAME [as LOCAL], ...`: LOCAL (or NAME) calls MOD.NAME, so
 * `from os import system as run; run(cmd)` is os.system. Only names whose
 * MOD.NAME has a rule, and only when LOCAL itself has none. */
void py_imports_note(python_state_t *st, const char *s, size_t n)
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
        if (m - i == 4 && memcmp(s + i, "yaml", 4) == 0 && ln < TAINT_NAME && py_yaml_unsafe_loader(s + a, an)) {
            memcpy(st->yaml_renamed, s + l, ln);   /* `UnsafeLoader as SafeLoader` */
            st->yaml_renamed[ln] = '\0';
        }
        if (ln == 4 && memcmp(s + l, "yaml", 4) == 0)
            st->yaml_foreign = !py_yaml_module(s + i, m - i);
        py_sources_note_import(&st->src, s + i, m - i, s + a, an, s + l, ln);
        if ((m - i) + 1 + an <= MAX_NAME && ln < TAINT_NAME && !py_call_lookup(s + l, ln)) {
            const call_rule_t *r;
            memcpy(full, s + i, m - i);
            full[m - i] = '.';
            memcpy(full + (m - i) + 1, s + a, an);
            if ((r = py_call_lookup(full, (m - i) + 1 + an)) != NULL)
                py_alias_add(st, s + l, ln, r);
        }
        if (k >= n || s[k] != ',')
            return;
        k++;
    }
}

/* The rule whose function the name calls, or NULL: not an alias. */
const call_rule_t *py_alias_lookup(const python_state_t *st, const char *name, size_t n)
{
    for (unsigned i = 0; i < st->n_alias; i++)
        if (strlen(st->alias[i]) == n && memcmp(st->alias[i], name, n) == 0)
            return st->alias_rule[i];
    return NULL;
}
