/*
 * ci_secret.c: ci.secret_echo over script text: a ${{ secrets.* }}
 * expression printed to the log or here-string'd into an encoder, and an env
 * variable holding a secret encoded into the log (`echo "$T" | base64`),
 * whichever of the run: and its env: comes first. Owns ci_state_t's
 * secret_vars[] and encoded[].
 */
#include "ci_internal.h"

#include <string.h>

#include "an_text.h"

static int printer_before(const char *s, size_t at)
{
    static const char *const words[] = {"echo", "printf", "print", "Write-Host", "Write-Output",
                                        "console.log", "puts", "cat", "process.stdout.write",
                                        "sys.stdout.write"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (an_find_word(s, at, words[i]) != (size_t)-1)
            return 1;
    return 0;
}

/* `base64 <<< "${{ secrets.X }}"`: a here-string into a command that writes
 * its input, transformed, to the log (past the runner's masking). */
static int output_to_file(const char *s, size_t n, size_t from);

static const char *const s_encoders[] = {"base64", "xxd", "od", "hexdump", "rev", "sed", "tr", "awk",
                                         "fold", "cat", "tee"};

static int herestring_into_printer(const char *s, size_t at)
{
    const char *const *words = s_encoders;
    size_t k = at;
    while (k > 0 && (s[k - 1] == '"' || s[k - 1] == '\'' || an_is_space((unsigned char)s[k - 1])))
        k--;
    if (k < 3 || memcmp(s + k - 3, "<<<", 3) != 0)
        return 0;
    for (size_t i = 0; i < sizeof s_encoders / sizeof s_encoders[0]; i++)
        if (an_find_word(s, k - 3, words[i]) != (size_t)-1)
            return 1;
    return 0;
}

/* `echo "$T" | base64`: the last stage of the pipeline after s[from] is an
 * encoder writing to the log (the runner masks a secret's value, not its
 * base64 or its letters spaced out). */
static int piped_into_encoder(const char *s, size_t n, size_t from)
{
    size_t bar = (size_t)-1, k;
    for (size_t i = from; i < n; i++)
        if (s[i] == '|' && !(i + 1 < n && s[i + 1] == '|') && !(i > 0 && s[i - 1] == '|'))
            bar = i;
    if (bar == (size_t)-1 || output_to_file(s, n, bar))
        return 0;
    k = an_skip_space(s, n, bar + 1);
    for (size_t i = 0; i < sizeof s_encoders / sizeof s_encoders[0]; i++) {
        size_t wl = strlen(s_encoders[i]);
        if (n - k >= wl && memcmp(s + k, s_encoders[i], wl) == 0 &&
            (k + wl == n || !an_is_ident((unsigned char)s[k + wl])))
            return 1;
    }
    return 0;
}

/* Whether the command's output after s[from] goes to a file (`> ~/.kube/config`,
 * `>> "$GITHUB_ENV"`) rather than the log: an unquoted > or >> of stdout
 * before the next ; && || &, to something other than /dev/stdout,
 * /dev/stderr, /dev/tty or a file descriptor. */
static int output_to_file(const char *s, size_t n, size_t from)
{
    char q = 0;
    for (size_t i = 0; i < n; i++) {
        size_t t;
        if (q) {
            q = s[i] == q ? 0 : q;
            continue;
        }
        if (s[i] == '"' || s[i] == '\'') {
            q = s[i];
            continue;
        }
        if (i >= from && (s[i] == ';' || (s[i] == '&' && !(i + 1 < n && s[i + 1] == '>'))))
            return 0;   /* the next command's redirection is not this one's (but &> is) */
        if (i < from || s[i] != '>' || (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9' && s[i - 1] != '1'))
            continue;
        t = i + 1 < n && s[i + 1] == '>' ? i + 2 : i + 1;
        if (t < n && (s[t] == '&' || s[t] == '('))
            continue;
        t = an_skip_space(s, n, t);
        if (t < n && (s[t] == '"' || s[t] == '\''))
            t++;
        return !(n - t >= 8 && memcmp(s + t, "/dev/std", 8) == 0) &&
               !(n - t >= 8 && memcmp(s + t, "/dev/tty", 8) == 0) &&
               !(n - t >= 8 && memcmp(s + t, "/dev/fd/", 8) == 0) &&
               !(n - t >= 13 && memcmp(s + t, "/proc/self/fd", 13) == 0);
    }
    return 0;
}

/* Whether the secret expression at s[at..end) reaches the log: printed, or
 * fed to an encoder by a here-string; not when it is the ::add-mask::
 * command (which hides the value) or the output goes to a file. */
int ci_secret_printed(const char *s, size_t n, size_t at, size_t end)
{
    if (at >= 12 && memcmp(s + at - 12, "::add-mask::", 12) == 0)
        return 0;
    if (!printer_before(s, at) && !herestring_into_printer(s, at))
        return 0;
    return !output_to_file(s, n, end);
}

static int name_in(const char (*names)[CI_NAME_MAX], unsigned count, const char *name, size_t n)
{
    for (unsigned i = 0; i < count; i++)
        if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0)
            return 1;
    return 0;
}

static int report_encoded_secret(ci_state_t *st, unsigned line, const char *name, size_t n)
{
    return ci_emit(st, "ci.secret_echo", AN_SEV_HIGH, line,
                   "a secret from the step's env is encoded into the CI log (past the runner's masking)",
                   name, n);
}

/* `echo "$T" | base64` or `base64 <<< "$T"`: reported now if T holds a
 * secret (env: T: ${{ secrets.X }} above), else kept until an env: entry
 * below (a step's env: usually follows its run:) says so. */
int ci_encoded_var_check(ci_state_t *st, unsigned line, const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        size_t b = i + 1 + (s[i + 1] == '{'), e = b;
        if (s[i] != '$')
            continue;
        while (e < n && an_is_ident((unsigned char)s[e]))
            e++;
        if (e == b || e - b >= CI_NAME_MAX ||
            !((printer_before(s, i) && piped_into_encoder(s, n, e)) || herestring_into_printer(s, i)))
            continue;
        if (name_in(st->secret_vars, st->n_secret_vars, s + b, e - b))
            return report_encoded_secret(st, line, s + b, e - b);
        if (st->n_encoded < CI_ENCODED_MAX) {
            memcpy(st->encoded[st->n_encoded].name, s + b, e - b);
            st->encoded[st->n_encoded].name[e - b] = '\0';
            st->encoded[st->n_encoded++].line = line;
        }
    }
    return 0;
}

/* `T: ${{ secrets.X }}`: T holds a secret; a waiting `echo "$T" | base64` is reported. */
int ci_secret_var_record(ci_state_t *st, const char *key, size_t kl, const char *v, size_t vn)
{
    size_t at = an_find(v, vn, "${{");
    if (kl >= CI_NAME_MAX || at == (size_t)-1 || an_find(v + at, vn - at, "secrets.") == (size_t)-1)
        return 0;
    if (st->n_secret_vars < CI_SECRET_VARS && !name_in(st->secret_vars, st->n_secret_vars, key, kl)) {
        memcpy(st->secret_vars[st->n_secret_vars], key, kl);
        st->secret_vars[st->n_secret_vars++][kl] = '\0';
    }
    for (unsigned i = 0; i < st->n_encoded; i++)
        if (strlen(st->encoded[i].name) == kl && memcmp(st->encoded[i].name, key, kl) == 0) {
            unsigned line = st->encoded[i].line;
            st->encoded[i] = st->encoded[--st->n_encoded];
            return report_encoded_secret(st, line, key, kl);
        }
    return 0;
}
