/*
 * python_exfil.c: secrets leaving over the network (python.credential_exfil).
 * A secret is the whole environment (`dict(os.environ)`, `os.environ.copy()`,
 * `json.dumps(os.environ)`: where a CI job's tokens live; `os.environ["X"]`
 * and `.get("X")` read one variable and are not) or a credential file
 * (~/.ssh/id_*, ~/.aws/credentials, .netrc, .git-credentials, ...). It is
 * sent when a line hands it, or a name bound to it on an earlier line of the
 * file, to a network send: requests/httpx post/put/patch, urllib's urlopen or
 * Request with data, a socket's send/sendall/sendto, smtplib's sendmail,
 * ftplib's storbinary (each a method, called). The line scan (python.c) hands
 * over its names and string literals; comment lines are skipped.
 */
#include "python_internal.h"

#include <string.h>

#include "an_text.h"

#define MSG_EXFIL "sends the environment or a credential file over the network"

/* `os.environ` as a whole at s[i] (just after the word): not one variable of it. */
static int whole_environ_at(const char *s, size_t n, size_t i)
{
    static const char *const one[] = {"[", ".get(", ".setdefault(", ".pop(", ".update(", ".__setitem__("};
    size_t k = an_skip_space(s, n, i);
    if (i < n && an_is_ident((unsigned char)s[i]))
        return 0;   /* os.environb, os.environment_name */
    for (size_t j = 0; j < sizeof one / sizeof one[0]; j++) {
        size_t m = strlen(one[j]);
        if (k + m <= n && memcmp(s + k, one[j], m) == 0)
            return 0;
    }
    return k >= n || s[k] != '=';   /* `os.environ = …` assigns it */
}

/* `.copy`, `.items`, `.values`, `.keys` after os.environ: the whole environment. */
static int whole_method(const char *m, size_t n)
{
    static const char *const whole[] = {".copy", ".items", ".values", ".keys"};
    return AN_MEM_IN(m, n, whole);
}

void py_exfil_name(python_state_t *st, const char *s, size_t n, size_t i, size_t len)
{
    static const char *const sends[] = {"post", "put", "patch", "send", "sendall", "sendto", "sendmail",
                                        "storbinary"};
    static const char *const sends_with_data[] = {"urlopen", "Request"};   /* they send only with data */
    size_t j = i + len, tl = 0;
    if (len >= 10 && s[i] == 'o' && memcmp(s + i, "os.environ", 10) == 0 && (i == 0 || s[i - 1] != '.')) {
        if (len == 10)
            st->line_secret |= whole_environ_at(s, n, i + len);
        else   /* os.environ.copy(), .items(), .values(): the whole of it */
            st->line_secret |= whole_method(s + i + 10, len - 10);
    }
    if (an_skip_space(s, n, j) >= n || s[an_skip_space(s, n, j)] != '(')
        return;   /* the sends are methods, called */
    while (tl < len && tl <= 10 && s[j - tl - 1] != '.')
        tl++;
    if (tl == len || tl > 10)
        return;   /* not a method, or a longer name than any send */
    const char *t = s + j - tl;
    st->line_send |= AN_MEM_IN(t, tl, sends) ||
                     (AN_MEM_IN(t, tl, sends_with_data) && an_find(s, n, "data") != (size_t)-1);
}

void py_exfil_literal(python_state_t *st, const char *lit, size_t n)
{
    static const char *const paths[] = {"ssh/id_", "aws/credentials", "netrc", "git-credentials",
                                        "docker/config.json", "kube/config", "pypirc", "npmrc",
                                        "config/gh/hosts.yml", "config/gcloud/"};
    const char *end = lit + n;
    for (const char *p = memchr(lit, '.', n); p && !st->line_secret; p = memchr(p + 1, '.', (size_t)(end - p - 1))) {
        size_t left = (size_t)(end - p - 1);
        for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
            size_t m = strlen(paths[k]);
            if (left >= m && p[1] == paths[k][0] && memcmp(p + 1, paths[k], m) == 0)
                st->line_secret = 1;
        }
    }
}

/* The name w[0, m) as a whole identifier in s: not an attribute of
 * something, not a quoted word (`{"env": …}`). */
static int name_in(const char *s, size_t n, const char *w, size_t m)
{
    for (const char *p = memmem(s, n, w, m); p; p = memmem(p + 1, n - (size_t)(p + 1 - s), w, m)) {
        size_t at = (size_t)(p - s);
        char before = at ? s[at - 1] : 0, after = at + m < n ? s[at + m] : 0;
        if ((before == '"' || before == '\'') && after == before)
            continue;
        if (!name_char((unsigned char)before) && !an_is_ident((unsigned char)after))
            return 1;
    }
    return 0;
}

static int names_secret(const python_state_t *st, const char *s, size_t n)
{
    for (unsigned k = 0; k < st->n_secret; k++)
        if (name_in(s, n, st->secret_name[k], strlen(st->secret_name[k])))
            return 1;
    return 0;
}

/* `NAME = …` at the start of the line: NAME (length), else 0. */
static size_t assigned_name(const char *s, size_t n, size_t *at)
{
    size_t a = an_skip_space(s, n, 0), e = a;
    while (e < n && an_is_ident((unsigned char)s[e]))
        e++;
    size_t k = an_skip_space(s, n, e);
    if (e == a || e - a >= TAINT_NAME || k + 1 >= n || s[k] != '=' || s[k + 1] == '=')
        return 0;
    *at = a;
    return e - a;
}

int py_exfil_line(python_state_t *st, unsigned line, const char *s, size_t n)
{
    size_t a = an_skip_space(s, n, 0), at = 0, len;
    if (a >= n || s[a] == '#')
        return 0;
    if (!st->line_secret && !st->n_secret)
        return 0;   /* the common line */
    len = assigned_name(s, n, &at);
    if (!st->line_send && (!len || st->n_secret >= PY_SECRET_NAMES))
        return 0;   /* neither sends nor binds: no need to look for the names */
    int secret = st->line_secret || names_secret(st, s, n);
    if (secret && st->line_send)
        return emit_rule(st, "python.credential_exfil", AN_SEV_HIGH, MSG_EXFIL, line, s + a, n - a);
    if (secret && len != 0 && st->n_secret < PY_SECRET_NAMES) {
        memcpy(st->secret_name[st->n_secret], s + at, len);
        st->secret_name[st->n_secret++][len] = '\0';
    }
    return 0;
}
